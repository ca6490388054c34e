import type { MiddlewareHandler } from 'hono';
import type { CollectorEnv } from '../../hono-env';
import { sourceAcceptsOrigin, type KeyRing } from '../../keys';

export interface IngestCorsOptions {
  keys: KeyRing;
  /** Whether browsers may send and receive cookies (the device-id cookie): only for origins a key lists by name. */
  credentials: boolean;
}

/** What a client may name in a preflight: header names (tokens), a bounded list of them. */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}){0,29}$/;
const DEFAULT_HEADERS = 'Content-Type, Authorization, Content-Encoding, X-Write-Key';

/**
 * CORS for the ingest API.
 * - A preflight carries no write key, so it is answered for an origin some browser key accepts.
 *   The headers asked for are allowed as asked (the clients add their own: Segment's
 *   `X-Retry-Count`, RudderStack's `AnonymousId`, `SentAt` and `Rsa-*`); the collector reads none
 *   it does not know.
 * - The answer to a request itself is readable only by an origin the request's own key accepts,
 *   never by `null` (sandboxed frames, files); credentials only for an origin the key lists by name.
 * - `Retry-After` is exposed, so a page on another origin can honour it.
 * The headers are added to the finished response: setting them on `c.res` before the handler runs
 * makes @hono/node-server build a full web `Response` per request (about 4 % of the CPU under load).
 */
export function ingestCors({ keys, credentials }: IngestCorsOptions): MiddlewareHandler<CollectorEnv> {
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (c.req.method === 'OPTIONS' && origin && c.req.header('access-control-request-method')) {
      const headers = new Headers({ vary: 'Origin, Access-Control-Request-Headers' });
      if (keys.acceptsOrigin(origin)) {
        const asked = c.req.header('access-control-request-headers')?.trim();
        headers.set('access-control-allow-origin', origin);
        headers.set('access-control-allow-methods', 'POST, GET, OPTIONS');
        headers.set('access-control-allow-headers', asked && HEADER_LIST.test(asked) ? asked : DEFAULT_HEADERS);
        headers.set('access-control-max-age', '86400');
        if (credentials && keys.listsOrigin(origin)) headers.set('access-control-allow-credentials', 'true');
      }
      return new Response(null, { status: 204, headers });
    }
    await next();
    const headers = c.res.headers;
    headers.append('Vary', 'Origin');
    if (!origin) return;
    const source = c.get('source');
    // Before the key is known (a 401, a malformed body), the answer is as readable as a preflight's.
    const readable = source ? sourceAcceptsOrigin(source, origin) : keys.acceptsOrigin(origin);
    if (!readable) return;
    headers.set('Access-Control-Allow-Origin', origin);
    headers.set('Access-Control-Expose-Headers', 'Retry-After');
    if (credentials && (source ? source.origins?.has(origin) === true : keys.listsOrigin(origin))) {
      headers.set('Access-Control-Allow-Credentials', 'true');
    }
  };
}
