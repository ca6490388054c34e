import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { importOptional } from '../optional-import';
import { maskUrl, reasonOf } from '../startup-error';
import type { Claim, DedupStore } from './dedup';
import type { RateLimiter } from './rate-limiter';

/**
 * ioredis is an optional dependency: loaded only when `redis` is configured. Its errors (Redis
 * down, reconnecting) are logged as structured lines, at most one every 30 s with a count of the
 * others, never as ioredis's own unhandled-error stack traces.
 */
export async function connectRedis(url: string, logger?: Logger): Promise<Redis> {
  const { Redis } = await importOptional(() => import('ioredis'), 'ioredis', 'redis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
  let loggedAt = 0;
  let unlogged = 0;
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
    if (!connected) return; // a failed start says it once, below
    if (Date.now() - loggedAt < 30_000) return void unlogged++;
    logger?.warn({ redis: maskUrl(url), reason: reasonOf(error), unlogged }, 'redis unreachable; retrying');
    loggedAt = Date.now();
    unlogged = 0;
  });
  let connected = false;
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    // ioredis rejects with "Connection is closed."; the socket's own error says why.
    throw lastError ?? error;
  }
  connected = true;
  return client;
}

export interface RedisDedupOptions {
  windowSeconds: number;
  /** How long a claim lasts before it is committed: longer than any log write takes. */
  pendingSeconds?: number;
}

export function createRedisDedup(client: Redis, { windowSeconds, pendingSeconds = 60 }: RedisDedupOptions): DedupStore {
  const key = (id: string) => `tp:v1:dedup:${id}`;
  return {
    async claim(ids) {
      if (ids.length === 0) return [];
      // SET … NX GET (Redis 7): sets a pending claim where there is none, and says what was there.
      const pipeline = client.pipeline();
      for (const id of ids) pipeline.set(key(id), 'pending', 'EX', Math.min(pendingSeconds, windowSeconds), 'NX', 'GET');
      const results = (await pipeline.exec()) ?? [];
      return results.map(([error, reply]): Claim => {
        if (error) throw error;
        return reply === null ? 'new' : reply === 'pending' ? 'pending' : 'duplicate';
      });
    },
    async commit(ids) {
      if (ids.length === 0) return;
      const pipeline = client.pipeline();
      for (const id of ids) pipeline.set(key(id), 'written', 'EX', windowSeconds);
      await pipeline.exec();
    },
    async release(ids) {
      if (ids.length > 0) await client.del(...ids.map(key));
    },
  };
}

// The buckets of one request in one atomic step, timed by the Redis clock so that every process
// agrees. The same decision as `decide` in rate-limiter.ts: KEYS are the buckets, ARGV holds
// wanted, debt, then rate and burst per bucket.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wanted, debt = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokens, granted = {}, wanted
for i, key in ipairs(KEYS) do
  local rate, burst = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local have = tonumber(state[1]) or burst
  local at = tonumber(state[2]) or now
  have = math.min(burst, have + math.max(0, now - at) / 1000 * rate)
  tokens[i] = have
  granted = math.max(0, math.min(granted, math.floor(have)))
end
local wait = 0
for i, key in ipairs(KEYS) do
  local rate, burst = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  if granted < wanted then
    wait = math.max(wait, (math.min(wanted - granted, burst) - (tokens[i] - granted - debt)) / rate)
  end
  local left = tokens[i] - granted - debt
  redis.call('HSET', key, 'tokens', tostring(left), 'at', now)
  redis.call('PEXPIRE', key, math.ceil((burst - left) / rate * 1000) + 1000)
end
if granted < wanted then wait = math.max(1, math.ceil(wait)) end
return {granted, wait}
`;

export function createRedisRateLimiter(client: Redis): RateLimiter {
  return {
    async take(requests, wanted, debt = 0) {
      if (requests.length === 0) return { granted: wanted, retryAfterSeconds: 0 };
      const keys = requests.map((r) => `tp:v1:rate:${r.bucket}`);
      const rates = requests.flatMap((r) => [r.rate.eventsPerSecond, r.rate.burst]);
      const [granted, retryAfterSeconds] = (await client.eval(TAKE, keys.length, ...keys, wanted, debt, ...rates)) as [number, number];
      return { granted, retryAfterSeconds };
    },
  };
}
