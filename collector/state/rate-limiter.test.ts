import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRateLimiter, type RateLimiter } from './rate-limiter';
import { connectRedis, createRedisRateLimiter } from './redis';

let redis: Redis;
beforeAll(async () => {
  redis = await connectRedis('redis://127.0.0.1:6379');
});
afterAll(() => redis.quit());

const unique = () => `test-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;

/** The same behaviour from both limiters: the memory one on a fake clock, Redis's on its own. */
describe.each([
  ['memory', () => createMemoryRateLimiter({ now: () => 0 })],
  ['redis', () => createRedisRateLimiter(redis)],
] as [string, () => RateLimiter][])('%s token buckets', (_, make) => {
  it('grants whole events up to what the bucket holds, and says when the rest can come', async () => {
    const limiter = make();
    const key = [{ bucket: unique(), rate: { eventsPerSecond: 2, burst: 5 } }];
    expect(await limiter.take(key, 3)).toEqual({ granted: 3, retryAfterSeconds: 0 });
    // 2 left: 2 of 4 granted, the other 2 need a second at 2 events/s.
    expect(await limiter.take(key, 4)).toEqual({ granted: 2, retryAfterSeconds: 1 });
    expect((await limiter.take(key, 1)).granted).toBe(0);
  });

  it('charges a batch for every event: 10,000 events through 1 event/s get only the burst', async () => {
    const limiter = make();
    const key = [{ bucket: unique(), rate: { eventsPerSecond: 1, burst: 3 } }];
    const grants = [];
    for (let i = 0; i < 5; i++) grants.push(await limiter.take(key, 2000));
    expect(grants.reduce((sum, g) => sum + g.granted, 0)).toBe(3);
    // More than a bucket can hold waits for a full bucket, not for ever.
    expect(grants.at(-1)!.retryAfterSeconds).toBe(3);
  });

  it('draws on the key and the client together: a refused client spends none of the key', async () => {
    const limiter = make();
    const key = { bucket: unique(), rate: { eventsPerSecond: 1, burst: 10 } };
    const client = (ip: string) => ({ bucket: `${key.bucket}:${ip}`, rate: { eventsPerSecond: 1, burst: 2 } });
    expect((await limiter.take([key, client('a')], 5)).granted).toBe(2);
    expect((await limiter.take([key, client('a')], 5)).granted).toBe(0);
    expect((await limiter.take([key, client('b')], 2)).granted).toBe(2);
    // 10 - 2 - 2 = 6 left in the key: a third client gets its own 2, and so on.
    expect((await limiter.take([key], 10)).granted).toBe(6);
  });

  it('charges debt without refusing it, and makes later events wait it out', async () => {
    const limiter = make();
    const key = [{ bucket: unique(), rate: { eventsPerSecond: 1, burst: 4 } }];
    expect(await limiter.take(key, 1, 10)).toEqual({ granted: 1, retryAfterSeconds: 0 });
    const after = await limiter.take(key, 1);
    expect(after.granted).toBe(0);
    expect(after.retryAfterSeconds).toBeGreaterThanOrEqual(8);
  });
});

describe('memory token bucket', () => {
  it('refills at the sustained rate', async () => {
    let now = 0;
    const limiter = createMemoryRateLimiter({ now: () => now });
    const key = [{ bucket: 'k', rate: { eventsPerSecond: 10, burst: 20 } }];
    expect((await limiter.take(key, 20)).granted).toBe(20);
    now = 500; // 5 tokens back
    expect((await limiter.take(key, 8)).granted).toBe(5);
  });
});

describe('redis token bucket', () => {
  it('is shared by every limiter on the same Redis, and expires', async () => {
    const bucket = unique();
    const rate = { eventsPerSecond: 0.5, burst: 4 };
    expect((await createRedisRateLimiter(redis).take([{ bucket, rate }], 3)).granted).toBe(3);
    const refused = await createRedisRateLimiter(redis).take([{ bucket, rate }], 3);
    expect(refused.granted).toBe(1);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(4);
    expect(await redis.pttl(`tp:v1:rate:${bucket}`)).toBeGreaterThan(0);
  });
});
