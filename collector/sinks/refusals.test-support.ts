import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { everyStream, openLog, PASS_THROUGH } from '../log';
import { ndjson, type StoredEvent } from '../records';
import type { Sink } from '../records/sink';
import { createNdjsonSink } from './ndjson';
import { sampleEvents } from './sample-events';

/**
 * Events that one store or another cannot hold as they are, with good ones around them: the
 * hostile inputs of issue 12 (a NUL, lone surrogates, the year 0000). Each sink test checks that
 * nothing blocks, nothing is lost, and each event is either stored intact or set aside with a reason.
 */
export function poisonedBatch(run: string): StoredEvent[] {
  const [a, b, c, d, e, f, g] = sampleEvents(run, 7);
  return [
    a!,
    { ...b!, properties: { note: 'a\u0000b' } } as StoredEvent, // NUL inside JSON
    { ...c!, event: 'Order\u0000Completed' } as StoredEvent, // NUL in a text column
    { ...d!, properties: { note: 'x\ud800y' } } as StoredEvent, // a lone surrogate inside JSON
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
  event: StoredEvent;
}

/**
 * Delivers batches to a sink through a real log and its consumer, as the collector does, and
 * returns what the consumer set aside in the sink's dead-letter stream once the log is drained.
 */
export async function pumpThrough(sink: Sink, batches: StoredEvent[][], name = 'sink.events'): Promise<{ deadLetters: DeadLetter[]; state: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tp-refusals-'));
  const log = await openLog({
    dataDir: dir,
    streams: everyStream(PASS_THROUGH),
    consumers: [{ name, stream: 'events', sink }],
    maxLagBytes: 1 << 24,
    fsync: false,
    ack: 'sinks',
    ackTimeoutMs: 30_000,
    deadLetter: (consumer) => createNdjsonSink({ dir: join(dir, 'deadletter', consumer) }),
    logger: pino({ level: 'silent' }),
  });
  try {
    for (const events of batches) await log.append({ events: Buffer.from(ndjson(events)) });
    const state = log.consumers()[0]!.state;
    const root = join(dir, 'deadletter', name);
    const files = (await readdir(root, { recursive: true }).catch(() => [] as string[])).filter((f) => f.endsWith('.ndjson'));
    const texts = await Promise.all(files.map((f) => readFile(join(root, f), 'utf8')));
    return {
      deadLetters: texts.flatMap((t) =>
        t
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as DeadLetter),
      ),
      state,
    };
  } finally {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
}
