import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogFullError, PartialAppendError } from '../log';
import type { StreamName } from '../records';
import { createMemoryDedup, type DedupStore } from '../state/dedup';
import { connectRedis, createRedisDedup } from '../state/redis';
import { createDeliver, StorageUnavailableError } from './deliver';
import type { IngestResult } from './ingest';

let redis: Redis;
beforeAll(async () => {
  redis = await connectRedis('redis://127.0.0.1:6379');
});
afterAll(() => redis.quit());

const logger = pino({ level: 'silent' });
const run = `${process.pid}-${Date.now()}`;
const request = (ids: string[]): IngestResult => ({
  accepted: ids.map((messageId) => ({
    type: 'track',
    event: 'x',
    messageId,
    anonymousId: 'a',
    source: 'web',
    timestamp: '2026-11-24T10:00:00.000Z',
    receivedAt: '2026-11-24T10:00:00.000Z',
    context: {},
  })),
  bots: [],
  rejected: [],
  failed: [],
  suppressed: 0,
});

/** A log whose appends fail while `failing` says so, and that records what it was given. */
function flakyLog() {
  const written: Partial<Record<StreamName, Buffer>>[] = [];
  const log = {
    failing: undefined as Error | undefined,
    written,
    async append(lines: Partial<Record<StreamName, Buffer>>) {
      if (log.failing) throw log.failing;
      written.push(lines);
    },
  };
  return log;
}

describe('delivery', () => {
  it('does not lose an event when the write fails and releasing its claim fails too: the claim lapses and the retry is taken', async () => {
    const log = flakyLog();
    const real = createRedisDedup(redis, { windowSeconds: 3600, pendingSeconds: 1 });
    let releaseFails = true;
    // Redis unreachable just then: the release is refused.
    const dedup: DedupStore = { ...real, release: (ids) => (releaseFails ? Promise.reject(new Error('Connection is closed.')) : real.release(ids)) };
    const deliver = createDeliver({ log, dedup, order: () => {}, logger });
    const id = `${run}-lapse`;
    log.failing = new Error('no space left on the data disk');
    await expect(deliver(request([id]), { source: 'web' })).rejects.toBeInstanceOf(StorageUnavailableError);
    log.failing = undefined;
    releaseFails = false;
    // Straight away the claim still stands: the retry is told to come back (503), not that the event is written...
    await expect(deliver(request([id]), { source: 'web' })).rejects.toThrow(/being written by another request/);
    await new Promise((r) => setTimeout(r, 1100));
    // ...and once it has lapsed, the client's retry is written.
    expect(await deliver(request([id]), { source: 'web' })).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(log.written).toHaveLength(1);
  });

  it('releases the claims of what did not reach the log, and keeps those of what did', async () => {
    const log = flakyLog();
    const dedup = createMemoryDedup({ windowSeconds: 60, maxEntries: 1000 });
    const deliver = createDeliver({ log, dedup, order: () => {}, logger });
    log.failing = new LogFullError('sinks too far behind');
    await expect(deliver(request(['full']), { source: 'web' })).rejects.toThrow('the sinks are too far behind');
    log.failing = undefined;
    expect((await deliver(request(['full']), { source: 'web' })).accepted).toBe(1);
    // The events stream was written, the failed one not: a re-send of the events is a duplicate.
    log.failing = new PartialAppendError(['events'], new Error('no space'));
    await expect(deliver(request(['partial']), { source: 'web' })).rejects.toBeInstanceOf(StorageUnavailableError);
    log.failing = undefined;
    expect(await deliver(request(['partial']), { source: 'web' })).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('answers a re-send racing its first write "retry later", and "duplicate" once that write is confirmed', async () => {
    const log = flakyLog();
    const deliver = createDeliver({ log, dedup: createMemoryDedup({ windowSeconds: 60, maxEntries: 1000 }), order: () => {}, logger });
    let finish!: () => void;
    let fail!: (error: Error) => void;
    const slow = { ...log, append: () => new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject))) };
    const slowDeliver = createDeliver({ log: slow, dedup: createMemoryDedup({ windowSeconds: 60, maxEntries: 1000 }), order: () => {}, logger });
    const first = slowDeliver(request(['race']), { source: 'web' });
    await new Promise((r) => setTimeout(r, 10));
    await expect(slowDeliver(request(['race']), { source: 'web' })).rejects.toThrow(/being written/);
    fail(new Error('disk gone'));
    await expect(first).rejects.toBeInstanceOf(StorageUnavailableError);
    // The first write failed: the event was never written, and the next re-send takes it.
    const third = slowDeliver(request(['race']), { source: 'web' });
    await new Promise((r) => setTimeout(r, 10));
    finish();
    expect(await third).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await deliver(request(['x']), { source: 'web' })).toMatchObject({ accepted: 1 });
  });

  it('takes only what the rate limits allow, and releases the rest for the re-send', async () => {
    const log = flakyLog();
    const deliver = createDeliver({ log, dedup: createMemoryDedup({ windowSeconds: 60, maxEntries: 1000 }), order: () => {}, logger });
    let tokens = 2;
    const sender = { source: 'web', allowance: async (wanted: number) => ({ granted: Math.min(wanted, tokens), retryAfterSeconds: 1 }) };
    expect(await deliver(request(['r1', 'r2', 'r3']), sender)).toEqual({ accepted: 2, duplicates: 0, limited: 1, retryAfter: 1 });
    tokens = 1;
    expect(await deliver(request(['r1', 'r2', 'r3']), sender)).toEqual({ accepted: 1, duplicates: 2, limited: 0, retryAfter: 1 });
  });
});
