import { EventsRefusedError, type Sink } from '../records/sink';

export interface HttpSinkOptions {
  url: string;
  headers: Record<string, string>;
  format: 'json' | 'ndjson';
  timeoutMs: number;
}

/**
 * Posts each batch to a webhook with undici: a JSON array (or NDJSON), the configured headers
 * (an auth header, typically), and a timeout. Anything but 2xx fails the write, and the log's
 * pump retries it with backoff.
 */
export function createHttpSink({ url, headers, format, timeoutMs }: HttpSinkOptions): Sink {
  const contentType = format === 'json' ? 'application/json' : 'application/x-ndjson';
  async function post(body: string | Buffer) {
    // undici loads when a sink of this kind first sends: at start-up it was a quarter of the collector's CPU.
    const { request } = await import('undici');
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': contentType, ...headers },
      body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode >= 200 && res.statusCode < 300) return;
    const message = `webhook answered ${res.statusCode}: ${text.slice(0, 200)}`;
    // A 4xx (but a timeout or a rate limit) refuses what was sent, and sending it again cannot help.
    if (res.statusCode >= 400 && res.statusCode < 500 && res.statusCode !== 408 && res.statusCode !== 429) throw new EventsRefusedError(message);
    throw new Error(message);
  }
  return {
    // The log's lines as they are: NDJSON, or joined into a JSON array without parsing them.
    write: ({ lines }) => post(format === 'ndjson' ? lines : `[${lines.toString('utf8').trimEnd().split('\n').join(',')}]`),
    async close() {},
  };
}
