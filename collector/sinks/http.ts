import { request } from 'undici';
import type { Sink } from './sink';

export interface HttpSinkOptions {
  url: string;
  headers: Record<string, string>;
  format: 'json' | 'ndjson';
  timeoutMs: number;
}

/**
 * Posts each batch to a webhook with undici: a JSON array (or NDJSON), the configured headers
 * (an auth header, typically), and a timeout. Anything but 2xx fails the write, and the spool's
 * pump retries it with backoff.
 */
export function createHttpSink({ url, headers, format, timeoutMs }: HttpSinkOptions): Sink {
  const contentType = format === 'json' ? 'application/json' : 'application/x-ndjson';
  return {
    async write(events) {
      const body = format === 'json' ? JSON.stringify(events) : events.map((e) => JSON.stringify(e)).join('\n') + '\n';
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': contentType, ...headers },
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await res.body.text();
      if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`webhook answered ${res.statusCode}: ${text.slice(0, 200)}`);
    },
    async close() {},
  };
}
