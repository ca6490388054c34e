import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createMemoryDedup, type DedupStore } from './dedup';
import { connectRedis, createRedisDedup } from './redis';

// The same contract, against memory and against the real Redis on 127.0.0.1:6379.
let redis: Redis;
beforeAll(async () => {
  redis = await connectRedis('redis://127.0.0.1:6379');
});
afterAll(() => redis.quit());

const run = `${process.pid}-${Date.now()}`;
const stores: [string, () => DedupStore][] = [
  ['memory', () => createMemoryDedup({ windowSeconds: 60, maxEntries: 1000 })],
  ['redis', () => createRedisDedup(redis, { windowSeconds: 60 })],
];

describe.each(stores)('%s de-dup', (_name, make) => {
  it('says which ids are new, which are being written, and which were written', async () => {
    const dedup = make();
    const id = (n: number) => `${run}:${_name}:${n}`;
    expect(await dedup.claim([id(1), id(2)])).toEqual(['new', 'new']);
    // Not yet confirmed: a re-send must not be told it was written.
    expect(await dedup.claim([id(2), id(3), id(3)])).toEqual(['pending', 'new', 'pending']);
    await dedup.commit([id(1), id(2), id(3)]);
    expect(await dedup.claim([id(1), id(2), id(3)])).toEqual(['duplicate', 'duplicate', 'duplicate']);
  });

  it('forgets released ids, so a failed write can be retried', async () => {
    const dedup = make();
    const id = `${run}:${_name}:released`;
    expect(await dedup.claim([id])).toEqual(['new']);
    await dedup.release([id]);
    expect(await dedup.claim([id])).toEqual(['new']);
  });
});

describe('memory de-dup bounds', () => {
  it('remembers ids for at least the window and forgets them before twice the window', async () => {
    let now = 0;
    const dedup = createMemoryDedup({ windowSeconds: 10, maxEntries: 100, now: () => now });
    const written = async (id: string) => {
      const [claim] = await dedup.claim([id]);
      await dedup.commit([id]);
      return claim;
    };
    await written('a');
    now = 9_999;
    expect(await written('a')).toBe('duplicate');
    now = 19_999;
    expect(await written('a')).toBe('duplicate');
    now = 20_000;
    expect(await written('a')).toBe('new');
    // after a long quiet spell both generations are gone
    now = 100_000;
    expect(await written('a')).toBe('new');
  });

  it('keeps at most maxEntries, forgetting the oldest', async () => {
    const dedup = createMemoryDedup({ windowSeconds: 3600, maxEntries: 3 });
    await dedup.claim(['1', '2', '3', '4']);
    await dedup.commit(['1', '2', '3', '4']);
    expect(await dedup.claim(['1'])).toEqual(['new']);
    expect(await dedup.claim(['4'])).toEqual(['duplicate']);
  });
});

describe('redis de-dup', () => {
  it('holds a claim briefly until it is committed, then for the window', async () => {
    const dedup = createRedisDedup(redis, { windowSeconds: 120, pendingSeconds: 5 });
    const id = `${run}:ttl`;
    await dedup.claim([id]);
    expect(await redis.ttl(`tp:v1:dedup:${id}`)).toBeLessThanOrEqual(5);
    await dedup.commit([id]);
    const ttl = await redis.ttl(`tp:v1:dedup:${id}`);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
  });

  it('lets an uncommitted claim lapse, so a retry after a failed write and a failed release is taken', async () => {
    const dedup = createRedisDedup(redis, { windowSeconds: 120, pendingSeconds: 1 });
    const id = `${run}:lapse`;
    expect(await dedup.claim([id])).toEqual(['new']);
    expect(await dedup.claim([id])).toEqual(['pending']);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await dedup.claim([id])).toEqual(['new']);
  });
});
