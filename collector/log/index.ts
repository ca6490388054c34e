import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { STREAMS, type StreamName } from '../records';
import type { Sink } from '../records/sink';
import { isBlank, startConsumer, type BreakerState, type Consumer } from './consumer';
import type { DeadLetterWriter } from './dead-letter';
import { topLevelStrings } from './line-ids';
import { lockDataDir } from './lock';
import { comparePositions, openStreamLog, type Position, type StreamLog } from './stream-log';

export type { Position } from './stream-log';

/** How one stream's parts are cut and how long they are kept. */
export interface StreamPolicy {
  rotateBytes: number;
  rotateSeconds: number;
  /** Kept as the user's data (the NDJSON default): parts stay until `retentionDays`, if set. */
  keep: boolean;
  retentionDays?: number;
}

/** The same policy for every stream. */
export const everyStream = (policy: StreamPolicy) => Object.fromEntries(STREAMS.map((s) => [s, policy])) as Record<StreamName, StreamPolicy>;

/** A stream that only passes through the log to its sinks: deleted once they have it. */
export const PASS_THROUGH: StreamPolicy = { keep: false, rotateBytes: 128 * 1024 * 1024, rotateSeconds: 3600 };

export interface LogOptions {
  /** The streams' parts go to `<dataDir>/<stream>/date=YYYY-MM-DD/part-<seq>.ndjson`. */
  dataDir: string;
  streams: Record<StreamName, StreamPolicy>;
  /** Each sink reads one stream with its own cursor. */
  consumers: { name: string; stream: StreamName; sink: Sink }[];
  /** Where each consumer sets aside the records its sink refuses. */
  deadLetter?: (consumer: string) => DeadLetterWriter;
  /** High-water mark: past this many bytes behind in any stream, appends are refused (503). */
  maxLagBytes: number;
  fsync: boolean;
  /** 'log': acknowledge once on disk here; 'sinks': once every consumer has the records. */
  ack: 'log' | 'sinks';
  /** With ack 'sinks': how long a request waits before 503 (the records stay in the log). */
  ackTimeoutMs?: number;
  sinkTimeoutMs?: number;
  logger: Logger;
  now?: () => number;
  onDelivered?: (consumer: string, count: number, seconds: number) => void;
  onFailure?: (consumer: string) => void;
  onDeadLetter?: (consumer: string, count: number) => void;
  /** Lines of a stream its consumers must not deliver (a forgotten person's). */
  skipLine?: (stream: StreamName, line: Uint8Array) => boolean;
}

export interface ConsumerState {
  name: string;
  stream: StreamName;
  state: BreakerState;
  lagBytes: number;
  backlogEvents: number;
  lagSeconds: number;
}

/** The consumers lag too far behind: the client keeps its events and retries (503). */
export class LogFullError extends Error {
  override name = 'LogFullError';
}

/** Written to the log, but the sinks have not all confirmed in time (ack 'sinks'). */
export class AckTimeoutError extends Error {
  override name = 'AckTimeoutError';
}

/** Some streams of a record were written and others not. */
export class PartialAppendError extends Error {
  override name = 'PartialAppendError';
  constructor(
    readonly written: StreamName[],
    cause: unknown,
  ) {
    super(`the log could not write every stream: ${(cause as Error)?.message}`, { cause });
  }
}

/**
 * The one durable log between the requests and the sinks. Each stream's records are serialised once
 * and written once, with group commit, to NDJSON parts that are the data the user reads; every sink
 * is a consumer of its stream with its own durable cursor, like a Kafka consumer group: a slow or
 * failed sink only lags. A part is deleted only when every consumer has passed it and the stream is
 * not kept (or its retention has run out).
 */
export async function openLog(o: LogOptions) {
  await mkdir(o.dataDir, { recursive: true });
  const lock = await lockDataDir(join(o.dataDir, '.touchpoint.lock'));
  const logs = {} as Record<StreamName, StreamLog>;
  try {
    for (const stream of STREAMS) {
      const { rotateBytes, rotateSeconds } = o.streams[stream];
      logs[stream] = await openStreamLog({ dir: join(o.dataDir, stream), rotateBytes, rotateSeconds, fsync: o.fsync, now: o.now });
    }
  } catch (error) {
    await lock.release();
    throw error;
  }
  const consumers: Consumer[] = [];
  const deadLetters: DeadLetterWriter[] = [];
  const consumersOf = (stream: StreamName) => consumers.filter((c) => c.stream === stream);
  // A stream nobody reads and nobody keeps is not written: its records could never go anywhere.
  const wanted = new Set(STREAMS.filter((s) => o.streams[s].keep || o.consumers.some((c) => c.stream === s)));

  /** Where the slowest consumer of a stream is (its end when it has none). */
  const slowest = (stream: StreamName): Position =>
    consumersOf(stream)
      .map((c) => c.cursor())
      .reduce((min, c) => (comparePositions(c, min) < 0 ? c : min), logs[stream].end());
  const lagBytes = (stream: StreamName) => logs[stream].bytesFrom(slowest(stream));

  const now = o.now ?? Date.now;
  // One pass at a time; a request made during a pass runs one more after it.
  let retaining: Promise<void> | undefined;
  let again = false;
  // Not before every consumer has started: a part is deleted only once all of them are past it.
  let started = false;
  function scheduleRetention() {
    if (!started) return;
    if (retaining) return void (again = true);
    retaining = (async () => {
      do {
        again = false;
        await applyRetention().catch((error) => o.logger.warn({ err: error }, 'cannot apply retention'));
      } while (again);
      retaining = undefined;
    })();
  }
  async function applyRetention() {
    for (const stream of STREAMS) {
      const { keep, retentionDays } = o.streams[stream];
      if (keep && retentionDays === undefined) continue;
      const oldestKept = keep ? new Date(now() - retentionDays! * 86_400_000).toISOString().slice(0, 10) : '9999-12-31';
      const passed = slowest(stream).seq;
      for (const part of logs[stream].parts().slice(0, -1)) {
        if (part.seq < passed && part.date < oldestKept) await logs[stream].drop(part.seq);
      }
    }
  }
  for (const { name, stream, sink } of o.consumers) {
    const deadLetter = o.deadLetter?.(name);
    if (deadLetter) deadLetters.push(deadLetter);
    consumers.push(
      await startConsumer({
        name,
        stream,
        sink,
        log: logs[stream],
        cursorDir: join(o.dataDir, 'cursors'),
        deadLetter,
        logger: o.logger,
        timeoutMs: o.sinkTimeoutMs,
        // Acknowledged at the log, records can wait a few ms to go to a sink together; when the
        // request waits for the sinks, they go at once.
        lingerMs: o.ack === 'log' ? 10 : 0,
        onDelivered: (count, seconds) => o.onDelivered?.(name, count, seconds),
        onFailure: () => o.onFailure?.(name),
        onDeadLetter: (count) => o.onDeadLetter?.(name, count),
        onPartDone: () => scheduleRetention(),
        ...(o.skipLine && { skipLine: (line: Uint8Array) => o.skipLine!(stream, line) }),
      }),
    );
  }
  started = true;
  scheduleRetention();
  const retention = setInterval(scheduleRetention, 60_000);
  retention.unref();

  return {
    /**
     * Writes each stream's NDJSON lines durably; with ack 'sinks', resolves once every consumer has
     * them. Throws LogFullError before writing when a consumer lags past the high-water mark, and
     * PartialAppendError when some streams were written and others not.
     */
    async append(lines: Partial<Record<StreamName, Buffer>>): Promise<void> {
      const streams = STREAMS.filter((s) => lines[s] !== undefined && lines[s].length > 0 && wanted.has(s));
      for (const stream of streams) {
        if (lagBytes(stream) >= o.maxLagBytes) throw new LogFullError(`sinks of the ${stream} stream are too far behind`);
      }
      const results = await Promise.allSettled(streams.map((s) => logs[s].append(lines[s]!)));
      const failure = results.find((r) => r.status === 'rejected');
      if (failure) {
        const written = streams.filter((_, i) => results[i]!.status === 'fulfilled');
        if (written.length === 0) throw failure.reason;
        throw new PartialAppendError(written, failure.reason);
      }
      if (o.ack === 'log') return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          Promise.all(streams.flatMap((s, i) => consumersOf(s).map((c) => c.delivered((results[i] as PromiseFulfilledResult<Position>).value)))),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new AckTimeoutError('sinks have not confirmed yet')), o.ackTimeoutMs ?? 10_000);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },

    /** Deletes the parts no consumer needs and no retention keeps (also run every minute). */
    applyRetention,

    /** Bytes the slowest consumer of any stream is behind (the queue depth). */
    lagBytes: () => Math.max(0, ...STREAMS.map(lagBytes)),
    maxLagBytes: o.maxLagBytes,

    /** Each consumer's state and lag (its backlog in events is estimated from the stream's average event size). */
    consumers: (): ConsumerState[] =>
      consumers.map((c) => {
        const lagBytes = logs[c.stream].bytesFrom(c.cursor());
        return {
          name: c.name,
          stream: c.stream,
          state: c.state(),
          lagBytes,
          backlogEvents: Math.round(lagBytes / logs[c.stream].averageLineBytes()),
          lagSeconds: c.lagSeconds(),
        };
      }),

    /**
     * Feeds `add` the source and messageId of every event and bot event in the parts of the days
     * since `sinceMs`, oldest first: what de-dup needs to recognise a re-send after a restart.
     */
    async scanIds(sinceMs: number, add: (source: string, messageId: string) => void): Promise<number> {
      const since = new Date(sinceMs).toISOString().slice(0, 10);
      let lines = 0;
      for (const stream of ['events', 'bots'] as const) {
        let at: Position = { seq: 0, offset: 0 };
        const first = logs[stream].parts().find((p) => p.date >= since);
        if (!first) continue;
        at = { seq: first.seq, offset: 0 };
        for (;;) {
          const read = await logs[stream].read(at, 4 * 1024 * 1024);
          if (read.count === 0 && comparePositions(read.next, at) === 0) break;
          at = read.next;
          for (let start = 0, end = read.lines.indexOf(0x0a); end !== -1; start = end + 1, end = read.lines.indexOf(0x0a, start)) {
            const line = read.lines.subarray(start, end);
            if (isBlank(line)) continue;
            const [source, messageId] = topLevelStrings(line, 'source', 'messageId');
            lines++;
            if (messageId !== undefined) add(source ?? '', messageId);
          }
        }
      }
      return lines;
    },

    async close() {
      clearInterval(retention);
      await retaining;
      await Promise.all(consumers.map((c) => c.stop()));
      await Promise.all(deadLetters.map((d) => d.close()));
      await Promise.all(STREAMS.map((s) => logs[s].close()));
      await lock.release();
    },
  };
}

export type Log = Awaited<ReturnType<typeof openLog>>;
