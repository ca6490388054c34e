import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { EnrichedEvent } from '../pipeline/enrich';
import { openSpool } from '../spool';
import { createNdjsonSink } from './ndjson';
import { sampleEvents } from './sample-events';
import type { Sink } from './sink';

/**
 * Events that one store or another cannot hold as they are, with good ones around them: the
 * hostile inputs of issue 12 (a NUL, lone surrogates, the year 0000). Each sink test checks that
 * nothing blocks, nothing is lost, and each event is either stored intact or set aside with a reason.
 */
export function poisonedBatch(run: string): EnrichedEvent[] {
  const [a, b, c, d, e, f, g] = sampleEvents(run, 7);
  return [
    a!,
    { ...b!, properties: { note: 'a\u0000b' } } as EnrichedEvent, // NUL inside JSON
    { ...c!, event: 'Order\u0000Completed' } as EnrichedEvent, // NUL in a text column
    { ...d!, properties: { note: 'x\ud800y' } } as EnrichedEvent, // a lone surrogate inside JSON
    { ...e!, anonymousId: 'anon-\udc00' }, // a lone surrogate in a text column
    { ...f!, timestamp: '0000-01-01T00:00:00.000Z', originalTimestamp: '0000-01-01T00:00:00.000Z' },
    g!,
  ];
}

export interface DeadLetter {
  sink: string;
  stream: string;
  reason: string;
  at: string;
  event: EnrichedEvent;
}

/**
 * Delivers batches to a sink through a real spool and pump, as the collector does, and returns
 * what the pump set aside in the sink's dead-letter stream once the spool is drained.
 */
export async function pumpThrough(sink: Sink, batches: EnrichedEvent[][], name = 'sink.events'): Promise<{ deadLetters: DeadLetter[]; state: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tp-refusals-'));
  const spool = await openSpool({
    dir: join(dir, 'spool'),
    maxBytes: 1 << 24,
    ack: 'sinks',
    ackTimeoutMs: 30_000,
    sinks: [{ name, stream: 'events', sink }],
    deadLetter: (sinkName) => createNdjsonSink({ dir: join(dir, 'deadletter', sinkName) }),
    logger: pino({ level: 'silent' }),
  });
  try {
    for (const events of batches) await spool.append({ events });
    const state = spool.sinks()[0]!.state;
    const root = join(dir, 'deadletter', name);
    const files = (await readdir(root, { recursive: true }).catch(() => [] as string[])).filter((f) => f.endsWith('.ndjson'));
    const texts = await Promise.all(files.map((f) => readFile(join(root, f), 'utf8')));
    return { deadLetters: texts.flatMap((t) => t.split('\n').filter(Boolean).map((line) => JSON.parse(line) as DeadLetter)), state };
  } finally {
    await spool.close();
    await rm(dir, { recursive: true, force: true });
  }
}
