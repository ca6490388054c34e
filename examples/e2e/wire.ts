import { gunzipSync } from 'node:zlib';
import type { Request } from '@playwright/test';

/** The events a page put on the wire in its batch requests; bodies over 1 KB go gzip-compressed. */
export function sentEvents(requests: Request[]): Record<string, any>[] {
  return requests.flatMap((r) => {
    const body = r.postDataBuffer();
    if (!body) return [];
    const text = (body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body).toString('utf8');
    return JSON.parse(text).batch ?? [];
  });
}
