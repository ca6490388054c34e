import { HTTPException } from 'hono/http-exception';
import type { MiddlewareHandler } from 'hono';
import type { CollectorEnv } from '../../hono-env';
import type { RateLimiter } from '../../state/rate-limiter';

export interface RateLimitOptions {
  limiter: RateLimiter;
  /** Client address for the per-IP bucket of browser keys. */
  clientIp: (c: Parameters<MiddlewareHandler<CollectorEnv>>[0]) => string | undefined;
  onLimited?: (source: string, scope: 'key' | 'ip') => void;
}

/** Token buckets counted in events (a batch of 100 costs 100): per write key, and per client IP for browser keys. */
export function rateLimit({ limiter, clientIp, onLimited }: RateLimitOptions): MiddlewareHandler<CollectorEnv> {
  return async (c, next) => {
    const source = c.get('source');
    const batch = c.get('body').batch;
    const cost = Array.isArray(batch) ? Math.max(1, batch.length) : 1;
    const checks: ['key' | 'ip', string, NonNullable<typeof source.rateLimit>][] = [];
    if (source.rateLimit) checks.push(['key', `key:${source.key}`, source.rateLimit]);
    const ip = source.kind === 'browser' && source.ipRateLimit ? clientIp(c) : undefined;
    if (ip && source.ipRateLimit) checks.push(['ip', `ip:${source.key}:${ip}`, source.ipRateLimit]);
    for (const [scope, bucket, rate] of checks) {
      const decision = await limiter.take(bucket, cost, rate);
      if (!decision.allowed) {
        onLimited?.(source.name, scope);
        throw new HTTPException(429, {
          res: Response.json(
            { success: false, error: `rate limit exceeded for this ${scope === 'key' ? 'write key' : 'client'}` },
            { status: 429, headers: { 'retry-after': String(decision.retryAfterSeconds) } },
          ),
        });
      }
    }
    await next();
  };
}
