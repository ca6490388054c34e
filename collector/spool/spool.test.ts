import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNdjsonSink } from '../sinks/ndjson';
import { EventsRefusedError, type Sink } from '../sinks/sink';
import { AckTimeoutError, openSpool, SpoolFullError, type Spool } from '.';

const logger = pino({ level: 'silent' });
let dir: string;
let spools: Spool[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tp-spool-'));
  spools = [];
});
afterEach(async () => {
  await Promise.all(spools.map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

function recordingSink() {
  const events: any[] = [];
  let mode: 'up' | 'down' | 'stalled' = 'up';
  const sink: Sink & { events: any[]; set(m: typeof mode): void } = {
    events,
    set: (m) => (mode = m),
    async write(batch) {
      if (mode === 'down') throw new Error('down');
      if (mode === 'stalled') return new Promise(() => {});
      events.push(...batch);
    },
    async close() {},
  };
  return sink;
}

async function open(sinks: { name: string; stream: 'events' | 'failed' | 'bots'; sink: Sink }[], extra: Partial<Parameters<typeof openSpool>[0]> = {}) {
  const spool = await openSpool({ dir, maxBytes: 1 << 20, ack: 'spool', sinks, logger, sinkTimeoutMs: 300, ...extra });
  spools.push(spool);
  return spool;
}

const ev = (id: string) => ({ messageId: id });

describe('spool', () => {
  it('delivers each stream to its own sinks', async () => {
    const events = recordingSink();
    const failed = recordingSink();
    const spool = await open([{ name: 'e', stream: 'events', sink: events }, { name: 'f', stream: 'failed', sink: failed }]);
    await spool.append({ events: [ev('1'), ev('2')], failed: [ev('x')] });
    await spool.append({ events: [ev('3')] });
    await expect.poll(() => events.events.length).toBe(3);
    expect(failed.events).toEqual([ev('x')]);
  });

  it('keeps a dead sink from stalling the others, and delivers its backlog after it recovers', async () => {
    const healthy = recordingSink();
    const dead = recordingSink();
    const stalled = recordingSink();
    dead.set('down');
    stalled.set('stalled');
    const spool = await open([
      { name: 'healthy', stream: 'events', sink: healthy },
      { name: 'dead', stream: 'events', sink: dead },
      { name: 'stalled', stream: 'events', sink: stalled },
    ]);
    for (let i = 0; i < 20; i++) await spool.append({ events: [ev(String(i))] });
    await expect.poll(() => healthy.events.length).toBe(20);
    expect(dead.events).toHaveLength(0);
    expect(spool.bytes()).toBeGreaterThan(0);
    await expect.poll(() => spool.sinks().find((s) => s.name === 'dead')!.state, { timeout: 10_000 }).toBe('open');
    dead.set('up');
    stalled.set('up');
    await expect.poll(() => dead.events.length, { timeout: 15_000 }).toBe(20);
    await expect.poll(() => stalled.events.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(20);
    expect(dead.events.map((e) => e.messageId)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    await expect.poll(() => spool.bytes()).toBe(0);
  }, 30_000);

  it('refuses appends past the high-water mark until the sinks catch up', async () => {
    const sink = recordingSink();
    sink.set('down');
    const spool = await open([{ name: 's', stream: 'events', sink }], { maxBytes: 500 });
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      outcomes.push(await spool.append({ events: [ev(`${i}`.padEnd(40, '-'))] }).then(() => 'ok', (e) => (e instanceof SpoolFullError ? 'full' : 'error')));
    }
    expect(outcomes.slice(0, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(outcomes.at(-1)).toBe('full');
    sink.set('up');
    await expect.poll(() => spool.bytes(), { timeout: 10_000 }).toBe(0);
    await expect(spool.append({ events: [ev('after')] })).resolves.toBeUndefined();
  }, 20_000);

  it('in ack-after-sinks mode resolves once every sink has the record, or times out', async () => {
    const a = recordingSink();
    const b = recordingSink();
    const spool = await open([{ name: 'a', stream: 'events', sink: a }, { name: 'b', stream: 'events', sink: b }], { ack: 'sinks', ackTimeoutMs: 300 });
    await spool.append({ events: [ev('1')] });
    expect([a.events.length, b.events.length]).toEqual([1, 1]);
    b.set('down');
    await expect(spool.append({ events: [ev('2')] })).rejects.toBeInstanceOf(AckTimeoutError);
  });

  it('resumes each sink from its cursor after a restart, delivering nothing twice', async () => {
    const first = recordingSink();
    const spool = await open([{ name: 's', stream: 'events', sink: first }]);
    for (let i = 0; i < 5; i++) await spool.append({ events: [ev(`a${i}`)] });
    await expect.poll(() => first.events.length).toBe(5);
    await spool.close();
    spools = [];
    const second = recordingSink();
    const reopened = await open([{ name: 's', stream: 'events', sink: second }]);
    await reopened.append({ events: [ev('b0')] });
    await expect.poll(() => second.events.length).toBe(1);
    expect(second.events).toEqual([ev('b0')]);
  });

  it('starts a sink over from the beginning when its cursor was never written or is torn', async () => {
    for (const saved of ['', '{"segment":1,"off', 'garbage']) {
      const first = recordingSink();
      const spool = await open([{ name: 's', stream: 'events', sink: first }]);
      await spool.append({ events: [ev('x')] });
      await expect.poll(() => first.events.length).toBe(1);
      await spool.close();
      spools = [];
      await writeFile(join(dir, 'cursors', 's.json'), saved);
      const again = recordingSink();
      await open([{ name: 's', stream: 'events', sink: again }]);
      // Re-delivered rather than lost (the NDJSON and warehouse sinks absorb the repeat).
      await expect.poll(() => again.events.some((e) => e.messageId === 'x')).toBe(true);
      await Promise.all(spools.map((s) => s.close()));
      spools = [];
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('splits a batch the sink refuses until the bad events stand alone, sets them aside with the reason, and goes on', async () => {
    const stored: string[] = [];
    let writes = 0;
    let down = false;
    // A store that refuses any write holding a poisoned event, like PostgreSQL refuses a NUL.
    const picky: Sink = {
      async write(batch) {
        writes++;
        if (down) throw new Error('connection reset');
        if (batch.some((e: any) => e.poison)) throw new EventsRefusedError(`refused: ${(batch.find((e: any) => e.poison) as { messageId: string }).messageId} holds a NUL`);
        stored.push(...batch.map((e: any) => e.messageId));
      },
      async close() {},
    };
    const spool = await open([{ name: 'picky.events', stream: 'events', sink: picky }], {
      ack: 'sinks',
      deadLetter: (name) => createNdjsonSink({ dir: join(dir, 'deadletter', name) }),
    });
    const batch = Array.from({ length: 64 }, (_, i) => ({ messageId: `m${i}`, ...(i % 20 === 7 && { poison: true }) }));
    await spool.append({ events: batch });
    expect(stored.sort()).toEqual(batch.filter((e) => !e.poison).map((e) => e.messageId).sort());
    // log2(64) rounds of halving per bad event, not one write per event.
    expect(writes).toBeLessThan(40);
    const files = (await readdir(join(dir, 'deadletter', 'picky.events'), { recursive: true })).filter((f) => f.endsWith('.ndjson'));
    const letters = (await readFile(join(dir, 'deadletter', 'picky.events', files[0]!), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(letters.map((l) => [l.event.messageId, l.reason, l.sink, l.stream])).toEqual(
      ['m7', 'm27', 'm47'].map((id) => [id, `refused: ${id} holds a NUL`, 'picky.events', 'events']),
    );
    expect(spool.sinks()[0]!.state).toBe('closed');
    // A store that is down is not a refusal: nothing is set aside, the batch waits.
    down = true;
    const waiting = spool.append({ events: [{ messageId: 'later' }] });
    await expect.poll(() => spool.sinks()[0]!.state).toBe('retrying');
    down = false;
    await waiting;
    expect(stored).toContain('later');
  }, 20_000);
});
