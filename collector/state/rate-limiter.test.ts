import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from './rate-limiter';
import { connectRedis, createRedisRateLimiter } from './redis';

let redis: Redis;
beforeAll(async () => {
  redis = await connectRedis('redis://127.0.0.1:6379');
});
afterAll(() => redis.quit());

describe('memory token bucket', () => {
  it('allows a burst, then refills at the sustained rate', async () => {
    let now = 0;
    const limiter = createMemoryRateLimiter({ now: () => now });
    const rate = { eventsPerSecond: 10, burst: 20 };
    expect((await limiter.take('k', 20, rate)).allowed).toBe(true);
    expect(await limiter.take('k', 5, rate)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now = 500; // 5 tokens back
    expect((await limiter.take('k', 5, rate)).allowed).toBe(true);
    expect((await limiter.take('k', 1, rate)).allowed).toBe(false);
    expect((await limiter.take('other', 1, rate)).allowed).toBe(true);
  });

  it('lets a batch larger than the bucket through when the bucket is full', async () => {
    const limiter = createMemoryRateLimiter({ now: () => 0 });
    const rate = { eventsPerSecond: 1, burst: 5 };
    expect((await limiter.take('k', 100, rate)).allowed).toBe(true);
    expect(await limiter.take('k', 100, rate)).toEqual({ allowed: false, retryAfterSeconds: 5 });
  });
});

describe('redis token bucket', () => {
  it('is shared by every limiter on the same Redis', async () => {
    const bucket = `test-${process.pid}-${Date.now()}`;
    const a = createRedisRateLimiter(redis);
    const b = createRedisRateLimiter(redis);
    const rate = { eventsPerSecond: 0.5, burst: 4 };
    expect((await a.take(bucket, 3, rate)).allowed).toBe(true);
    const refused = await b.take(bucket, 3, rate);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(4);
    expect((await b.take(bucket, 1, rate)).allowed).toBe(true);
    expect(await redis.pttl(`tp:v1:rate:${bucket}`)).toBeGreaterThan(0);
  });
});
