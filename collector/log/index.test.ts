import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ndjson } from '../records';
import { EventsRefusedError, type Sink } from '../records/sink';
import { createNdjsonSink } from '../sinks/ndjson';
import { AckTimeoutError, everyStream, LogFullError, openLog, type Log, type LogOptions, type StreamPolicy } from '.';

const logger = pino({ level: 'silent' });
let dir: string;
let logs: Log[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tp-log-'));
  logs = [];
});
afterEach(async () => {
  await Promise.all(logs.map((l) => l.close()));
  await rm(dir, { recursive: true, force: true });
});

function recordingSink() {
  const events: { messageId: string; poison?: boolean }[] = [];
  let mode: 'up' | 'down' | 'stalled' = 'up';
  const sink: Sink & { events: typeof events; set(m: typeof mode): void } = {
    events,
    set: (m) => (mode = m),
    async write(batch) {
      if (mode === 'down') throw new Error('down');
      if (mode === 'stalled') return new Promise(() => {});
      events.push(...((batch.stream === 'failed' ? batch.records() : batch.events()) as unknown as typeof events));
    },
    async close() {},
  };
  return sink;
}

const policy = (keep: boolean, extra: Partial<StreamPolicy> = {}) => everyStream({ keep, rotateBytes: 1 << 20, rotateSeconds: 3600, ...extra });

async function open(consumers: LogOptions['consumers'], extra: Partial<LogOptions> = {}) {
  const log = await openLog({
    dataDir: dir,
    streams: policy(false),
    consumers,
    maxLagBytes: 1 << 20,
    fsync: true,
    ack: 'log',
    logger,
    sinkTimeoutMs: 300,
    ...extra,
  });
  logs.push(log);
  return log;
}

const lines = (...ids: string[]) => Buffer.from(ndjson(ids.map((messageId) => ({ messageId, source: 'web' }))));

describe('the log and its consumers', () => {
  it('delivers each stream to its own sinks', async () => {
    const events = recordingSink();
    const failed = recordingSink();
    const log = await open([
      { name: 'e', stream: 'events', sink: events },
      { name: 'f', stream: 'failed', sink: failed },
    ]);
    await log.append({ events: lines('1', '2'), failed: lines('x') });
    await log.append({ events: lines('3') });
    await expect.poll(() => events.events.length).toBe(3);
    expect(failed.events.map((e) => e.messageId)).toEqual(['x']);
  });

  it('keeps a dead sink from stalling the others, and delivers its backlog after it recovers', async () => {
    const healthy = recordingSink();
    const dead = recordingSink();
    const stalled = recordingSink();
    dead.set('down');
    stalled.set('stalled');
    const log = await open([
      { name: 'healthy', stream: 'events', sink: healthy },
      { name: 'dead', stream: 'events', sink: dead },
      { name: 'stalled', stream: 'events', sink: stalled },
    ]);
    for (let i = 0; i < 20; i++) await log.append({ events: lines(String(i)) });
    await expect.poll(() => healthy.events.length).toBe(20);
    expect(dead.events).toHaveLength(0);
    expect(log.lagBytes()).toBeGreaterThan(0);
    await expect.poll(() => log.consumers().find((s) => s.name === 'dead')!.state, { timeout: 10_000 }).toBe('open');
    dead.set('up');
    stalled.set('up');
    await expect.poll(() => dead.events.length, { timeout: 15_000 }).toBe(20);
    await expect.poll(() => stalled.events.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(20);
    expect(dead.events.map((e) => e.messageId)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    await expect.poll(() => log.lagBytes()).toBe(0);
  }, 30_000);

  it('refuses appends past the high-water mark of lag until the sinks catch up', async () => {
    const sink = recordingSink();
    sink.set('down');
    const log = await open([{ name: 's', stream: 'events', sink }], { maxLagBytes: 500 });
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      outcomes.push(
        await log.append({ events: lines(`${i}`.padEnd(40, '-')) }).then(
          () => 'ok',
          (e) => (e instanceof LogFullError ? 'full' : 'error'),
        ),
      );
    }
    expect(outcomes.slice(0, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(outcomes.at(-1)).toBe('full');
    sink.set('up');
    await expect.poll(() => log.lagBytes(), { timeout: 10_000 }).toBe(0);
    await expect(log.append({ events: lines('after') })).resolves.toBeUndefined();
  }, 20_000);

  it('in ack-after-sinks mode resolves once every sink has the records, or times out', async () => {
    const a = recordingSink();
    const b = recordingSink();
    const log = await open(
      [
        { name: 'a', stream: 'events', sink: a },
        { name: 'b', stream: 'events', sink: b },
      ],
      { ack: 'sinks', ackTimeoutMs: 300 },
    );
    await log.append({ events: lines('1') });
    expect([a.events.length, b.events.length]).toEqual([1, 1]);
    b.set('down');
    await expect(log.append({ events: lines('2') })).rejects.toBeInstanceOf(AckTimeoutError);
  });

  it('resumes each sink from its cursor after a restart, delivering nothing twice', async () => {
    const first = recordingSink();
    const log = await open([{ name: 's', stream: 'events', sink: first }]);
    for (let i = 0; i < 5; i++) await log.append({ events: lines(`a${i}`) });
    await expect.poll(() => first.events.length).toBe(5);
    await log.close();
    logs = [];
    const second = recordingSink();
    const reopened = await open([{ name: 's', stream: 'events', sink: second }]);
    await reopened.append({ events: lines('b0') });
    await expect.poll(() => second.events.length).toBe(1);
    expect(second.events.map((e) => e.messageId)).toEqual(['b0']);
  });

  it('starts a sink over from the beginning when its cursor was never written or is torn', async () => {
    for (const saved of ['', '{"seq":1,"off', 'garbage']) {
      const first = recordingSink();
      const log = await open([{ name: 's', stream: 'events', sink: first }], { streams: policy(true) });
      await log.append({ events: lines('x') });
      await expect.poll(() => first.events.length).toBe(1);
      await log.close();
      logs = [];
      await writeFile(join(dir, 'cursors', 's.json'), saved);
      const again = recordingSink();
      await open([{ name: 's', stream: 'events', sink: again }], { streams: policy(true) });
      // Re-delivered rather than lost (the warehouse sinks absorb the repeat).
      await expect.poll(() => again.events.some((e) => e.messageId === 'x')).toBe(true);
      await Promise.all(logs.map((l) => l.close()));
      logs = [];
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('splits a batch the sink refuses until the bad records stand alone, sets them aside with the reason, and goes on', async () => {
    const stored: string[] = [];
    let writes = 0;
    let down = false;
    // A store that refuses any write holding a poisoned record, as PostgreSQL refuses a NUL.
    const picky: Sink = {
      async write(batch) {
        writes++;
        if (down) throw new Error('connection reset');
        const events = batch.stream === 'failed' ? [] : batch.events();
        const poisoned = events.find((e) => (e as { poison?: boolean }).poison);
        if (poisoned) throw new EventsRefusedError(`refused: ${poisoned.messageId} holds a NUL`);
        stored.push(...events.map((e) => e.messageId));
      },
      async close() {},
    };
    const log = await open([{ name: 'picky.events', stream: 'events', sink: picky }], {
      ack: 'sinks',
      deadLetter: (name) => createNdjsonSink({ dir: join(dir, 'deadletter', name) }),
    });
    const batch = Array.from({ length: 64 }, (_, i) => ({ messageId: `m${i}`, source: 'web', ...(i % 20 === 7 && { poison: true }) }));
    await log.append({ events: Buffer.from(ndjson(batch)) });
    expect(stored.sort()).toEqual(
      batch
        .filter((e) => !e.poison)
        .map((e) => e.messageId)
        .sort(),
    );
    // log2(64) rounds of halving per bad record, not one write per record.
    expect(writes).toBeLessThan(40);
    const files = (await readdir(join(dir, 'deadletter', 'picky.events'), { recursive: true })).filter((f) => f.endsWith('.ndjson'));
    const letters = (await readFile(join(dir, 'deadletter', 'picky.events', files[0]!), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(letters.map((l) => [l.event.messageId, l.reason, l.sink, l.stream])).toEqual(
      ['m7', 'm27', 'm47'].map((id) => [id, `refused: ${id} holds a NUL`, 'picky.events', 'events']),
    );
    expect(log.consumers()[0]!.state).toBe('closed');
    // A store that is down is not a refusal: nothing is set aside, the batch waits.
    down = true;
    const waiting = log.append({ events: lines('later') });
    await expect.poll(() => log.consumers()[0]!.state).toBe('retrying');
    down = false;
    await waiting;
    expect(stored).toContain('later');
  }, 20_000);

  it('deletes a part once every consumer has passed it, unless the stream is kept', async () => {
    let now = Date.parse('2026-11-20T10:00:00Z');
    const sink = recordingSink();
    const keptFor = (keep: boolean) => policy(keep, { rotateBytes: 40, retentionDays: keep ? 2 : undefined });
    const log = await open([{ name: 's', stream: 'events', sink }], {
      streams: { ...keptFor(false), failed: keptFor(true).failed },
      now: () => now,
      ack: 'sinks',
    });
    for (let i = 0; i < 6; i++) await log.append({ events: lines(`e${i}`), failed: lines(`f${i}`) });
    const partsOf = async (stream: string) => (await readdir(join(dir, stream), { recursive: true })).filter((f) => f.endsWith('.ndjson')).length;
    // Each part is deleted as its sink finishes it: only the part being written is left.
    await expect.poll(() => partsOf('events')).toBe(1);
    expect(sink.events).toHaveLength(6);
    // Kept, and not yet past its retention (no consumer reads it).
    const failedParts = await partsOf('failed');
    expect(failedParts).toBeGreaterThan(2);
    now += 3 * 86_400_000;
    await log.applyRetention();
    expect(await partsOf('failed')).toBe(1);
  });

  it('rebuilds de-dup state: every source and messageId written in the window, oldest first', async () => {
    const log = await open([], { streams: policy(true) });
    await log.append({ events: lines('a', 'b'), bots: lines('c') });
    const seen: string[] = [];
    expect(await log.scanIds(Date.now() - 86_400_000, (source, id) => seen.push(`${source}:${id}`))).toBe(3);
    expect(seen).toEqual(['web:a', 'web:b', 'web:c']);
  });

  it('refuses a data folder another running collector writes', async () => {
    await open([]);
    await expect(open([])).rejects.toThrow(/in use by another collector/);
  });
});
