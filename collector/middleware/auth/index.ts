import { HTTPException } from 'hono/http-exception';
import type { MiddlewareHandler } from 'hono';
import type { CollectorEnv } from '../../hono-env';
import type { KeyRing } from '../../keys';

export interface WriteKeyAuthOptions {
  keys: KeyRing;
}

/**
 * Finds the write key where clients put it: Basic auth username (Segment libraries), the
 * `X-Write-Key` header, `writeKey` in the body (beacons), or `?writeKey=` (pixels).
 * Runs after the body middleware.
 */
export function writeKeyAuth({ keys }: WriteKeyAuthOptions): MiddlewareHandler<CollectorEnv> {
  return async (c, next) => {
    const key = fromBasicAuth(c.req.header('authorization')) ?? c.req.header('x-write-key') ?? fromBody(c.get('body')) ?? c.req.query('writeKey');
    if (!key) throw new HTTPException(401, { message: 'missing write key: use Basic auth, X-Write-Key or writeKey in the body' });
    const source = keys.find(key);
    if (!source) throw new HTTPException(401, { message: 'unknown write key' });
    c.set('source', source);
    await next();
  };
}

function fromBasicAuth(header: string | undefined): string | undefined {
  const match = header && /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const user = decoded.split(':', 1)[0];
  return user || undefined;
}

function fromBody(body: Record<string, unknown> | undefined): string | undefined {
  const key = body?.writeKey;
  return typeof key === 'string' && key ? key : undefined;
}
