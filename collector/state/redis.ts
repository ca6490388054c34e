import type { Redis } from 'ioredis';
import type { DedupStore } from './dedup';
import type { RateLimiter } from './rate-limiter';

/** ioredis is an optional dependency: loaded only when `redis` is configured. */
export async function connectRedis(url: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
  await client.connect();
  return client;
}

export function createRedisDedup(client: Redis, { windowSeconds }: { windowSeconds: number }): DedupStore {
  const key = (id: string) => `tp:v1:dedup:${id}`;
  return {
    async claim(ids) {
      if (ids.length === 0) return [];
      const pipeline = client.pipeline();
      for (const id of ids) pipeline.set(key(id), '1', 'EX', windowSeconds, 'NX');
      const results = (await pipeline.exec()) ?? [];
      return results.map(([error, reply]) => {
        if (error) throw error;
        return reply === 'OK';
      });
    },
    async release(ids) {
      if (ids.length > 0) await client.del(...ids.map(key));
    },
  };
}

// Token bucket in one atomic step, timed by the Redis clock so that every process agrees.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate, burst, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local allowed, retry = 0, 0
if tokens >= cost then tokens = tokens - cost; allowed = 1 else retry = math.ceil((cost - tokens) / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, retry}
`;

export function createRedisRateLimiter(client: Redis): RateLimiter {
  return {
    async take(bucket, cost, { eventsPerSecond, burst }) {
      const need = Math.min(cost, burst);
      const [allowed, retry] = (await client.eval(TAKE, 1, `tp:v1:rate:${bucket}`, eventsPerSecond, burst, need)) as [number, number];
      return { allowed: allowed === 1, retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, retry) };
    },
  };
}
