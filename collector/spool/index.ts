import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Sink } from '../sinks/sink';
import { encodeRecord, startPump, type BreakerState, type LineSink, type Pump, type SpoolRecord, type StreamName } from './pump';
import { comparePositions, openSegmentLog, type Position } from './segment-log';

export interface SpoolOptions {
  dir: string;
  /** High-water mark: past it, new requests get 503 until the sinks catch up. */
  maxBytes: number;
  segmentBytes?: number;
  fsync?: boolean;
  /** 'spool': acknowledge once on disk here; 'sinks': once every sink has the events. */
  ack: 'spool' | 'sinks';
  /** With ack 'sinks': how long a request waits before 503 (the events stay spooled). */
  ackTimeoutMs?: number;
  sinks: { name: string; stream: StreamName; sink: Sink }[];
  /** Each sink's dead-letter stream, for the events it refuses (see `PumpOptions.deadLetter`). */
  deadLetter?: (sinkName: string) => LineSink;
  logger: Logger;
  sinkTimeoutMs?: number;
  onDelivered?: (sink: string, count: number, seconds: number) => void;
  onFailure?: (sink: string) => void;
  onDeadLetter?: (sink: string, count: number) => void;
}

export class SpoolFullError extends Error {
  override name = 'SpoolFullError';
}

export class AckTimeoutError extends Error {
  override name = 'AckTimeoutError';
}

/**
 * The durable buffer between the request and the sinks: every accepted request is one record in
 * an on-disk log, and each sink has its own pump reading from its own cursor. A slow sink only
 * grows the spool; when the spool is past its high-water mark, `append` refuses with SpoolFullError.
 */
export async function openSpool(o: SpoolOptions) {
  const log = await openSegmentLog({ dir: join(o.dir, 'log'), segmentBytes: o.segmentBytes, fsync: o.fsync });
  const pumps: Pump[] = [];
  const deadLetters: LineSink[] = [];
  for (const { name, stream, sink } of o.sinks) {
    const deadLetter = o.deadLetter?.(name);
    if (deadLetter) deadLetters.push(deadLetter);
    pumps.push(
      await startPump({
        name,
        stream,
        sink,
        deadLetter,
        log,
        cursorDir: join(o.dir, 'cursors'),
        logger: o.logger,
        timeoutMs: o.sinkTimeoutMs,
        // Acknowledged at the spool, events can wait a few ms to go to a sink together; when the
        // request waits for the sinks, they go at once.
        lingerMs: o.ack === 'spool' ? 10 : 0,
        onDelivered: (count, seconds) => o.onDelivered?.(name, count, seconds),
        onFailure: () => o.onFailure?.(name),
        onDeadLetter: (count) => o.onDeadLetter?.(name, count),
      }),
    );
  }

  const slowest = (): Position =>
    pumps.map((p) => p.cursor()).reduce((min, c) => (comparePositions(c, min) < 0 ? c : min), log.end());
  const bytes = () => log.bytesFrom(slowest());

  return {
    async append(record: SpoolRecord): Promise<void> {
      const oldest = slowest();
      await log.dropBefore(oldest);
      if (log.bytesFrom(oldest) >= o.maxBytes) throw new SpoolFullError('spool full');
      const { next } = await log.append(encodeRecord(record));
      if (o.ack === 'spool') return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          Promise.all(pumps.map((p) => p.delivered(next))),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new AckTimeoutError('sinks have not confirmed yet')), o.ackTimeoutMs ?? 10_000);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    bytes,
    sinks: (): { name: string; state: BreakerState }[] => pumps.map((p) => ({ name: p.name, state: p.state() })),
    async close() {
      await Promise.all(pumps.map((p) => p.stop()));
      await Promise.all(deadLetters.map((d) => d.close()));
      await log.close();
    },
  };
}

export type Spool = Awaited<ReturnType<typeof openSpool>>;
