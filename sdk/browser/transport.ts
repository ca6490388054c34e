import type { Transport } from '../core/transport';
import { parseRetryAfter } from '../core/retry-after';
import { utf8Bytes } from '../core/utf8-bytes';

// Browsers refuse keepalive requests whose bodies add up to more than 64 KB.
const KEEPALIVE_LIMIT = 65_536;
// Below this, gzip's header and the async round trip cost more than they save.
const GZIP_FROM = 1024;

const gzip = (body: string) => new Response(new Blob([body]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();

/**
 * `fetch` with a text/plain body: a "simple" request, so no CORS preflight, and the same body a
 * beacon would carry. Larger bodies go gzip-compressed where `CompressionStream` exists (then a
 * cross-origin collector sees one cached preflight for `Content-Encoding`). Sends from a page being
 * hidden stay plain: compressing is asynchronous and the page may be frozen first.
 * Never rejects: a network failure is status 0.
 */
export function fetchTransport(): Transport {
  return async ({ url, body, keepalive }) => {
    try {
      const compress = !keepalive && body.length >= GZIP_FROM && typeof CompressionStream == 'function';
      const response = await fetch(url, {
        method: 'POST',
        body: compress ? await gzip(body) : body,
        headers: { 'content-type': 'text/plain', ...(compress && { 'content-encoding': 'gzip' }) },
        credentials: 'omit',
        keepalive: keepalive && utf8Bytes(body) < KEEPALIVE_LIMIT,
      });
      return { status: response.status, retryAfter: parseRetryAfter(response.headers.get('retry-after')) };
    } catch {
      return { status: 0 };
    }
  };
}
