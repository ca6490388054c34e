import type { Context, MiddlewareHandler } from 'hono';
import { HttpError } from '../../errors';
import type { CollectorEnv } from '../../hono-env';
import type { KeyRing, Source } from '../../keys';

export interface WriteKeyAuthOptions {
  keys: KeyRing;
  /** Told of every refusal (metrics, sampled logs). */
  onRefused?: (reason: 'missing' | 'unknown') => void;
}

/**
 * Before the body: a write key in the Basic auth username (Segment's server libraries), the
 * `X-Write-Key` header or `?writeKey=` (beacons, pixels) is checked at once, so a request with a
 * wrong key is refused without reading or parsing its body. Requests without one go on to the body.
 */
export function writeKeyFromHeaders({ keys, onRefused }: WriteKeyAuthOptions): MiddlewareHandler<CollectorEnv> {
  return async (c, next) => {
    const key = fromBasicAuth(c.req.header('authorization')) ?? (c.req.header('x-write-key') || undefined) ?? (c.req.query('writeKey') || undefined);
    if (key !== undefined) {
      const source = keys.find(key);
      if (!source) {
        onRefused?.('unknown');
        c.header('connection', 'close'); // the body is not wanted
        throw new HttpError(401, 'unknown write key');
      }
      c.set('source', source);
    }
    await next();
  };
}

/** After the body: the `writeKey` field, where browser SDKs put it to avoid a CORS preflight. */
export function writeKeyFromBody({ keys, onRefused }: WriteKeyAuthOptions): MiddlewareHandler<CollectorEnv> {
  return async (c, next) => {
    if (!c.get('source')) c.set('source', sourceFromBody(c, keys, onRefused));
    await next();
  };
}

function sourceFromBody(c: Context<CollectorEnv>, keys: KeyRing, onRefused: WriteKeyAuthOptions['onRefused']): Source {
  const key = c.get('body')?.writeKey;
  if (typeof key !== 'string' || !key) {
    onRefused?.('missing');
    throw new HttpError(401, 'missing write key: use Basic auth, X-Write-Key or writeKey in the body');
  }
  const source = keys.find(key);
  if (!source) {
    onRefused?.('unknown');
    throw new HttpError(401, 'unknown write key');
  }
  return source;
}

function fromBasicAuth(header: string | undefined): string | undefined {
  const match = header && /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const user = decoded.split(':', 1)[0];
  return user || undefined;
}
