import type { Logger } from 'pino';
import type { StreamName } from '../records';
import type { Sink } from '../records/sink';
import { openCursor } from './cursor';
import { deadLetterLines, writeAroundRefusals, type DeadLetterWriter } from './dead-letter';
import { comparePositions, type Position, type StreamLog } from './stream-log';

export interface ConsumerOptions {
  /** Unique per sink and stream: names the cursor. */
  name: string;
  stream: StreamName;
  sink: Sink;
  log: StreamLog;
  cursorDir: string;
  /** Where records the sink refuses for what they hold go, so that one bad record never blocks the sink. */
  deadLetter?: DeadLetterWriter;
  logger: Logger;
  /** Bytes of log read per delivery. */
  batchBytes?: number;
  /**
   * Deliveries start at most this often while less than `batchBytes` waits: under load each
   * delivery (a sink write and a cursor save) then carries many requests instead of one or two.
   */
  lingerMs?: number;
  /** A write that takes longer counts as failed (a stalled sink must not hold the consumer forever). */
  timeoutMs?: number;
  /** Failures in a row that open the circuit. */
  breakerThreshold?: number;
  maxBackoffMs?: number;
  onDelivered?: (count: number, seconds: number) => void;
  onFailure?: () => void;
  onDeadLetter?: (count: number) => void;
  /** Lines not to deliver (a forgotten person's, still in the log's memory); blank lines are never delivered. */
  skipLine?: (line: Uint8Array) => boolean;
  /** The consumer has finished a part: it may be deletable now. */
  onPartDone?: () => void;
}

export type BreakerState = 'closed' | 'retrying' | 'open';

/**
 * Delivers one stream of the log to one sink, from its own persisted cursor, like a consumer group:
 * retries with capped backoff, and after `breakerThreshold` failures in a row opens its circuit and
 * probes with single attempts. A slow or dead sink only lags; it never holds the others.
 */
export async function startConsumer(o: ConsumerOptions) {
  const {
    name,
    stream,
    sink,
    log,
    logger,
    deadLetter,
    batchBytes = 1024 * 1024,
    lingerMs = 0,
    timeoutMs = 10_000,
    breakerThreshold = 5,
    maxBackoffMs = 30_000,
  } = o;
  const saved = await openCursor(o.cursorDir, name, (error) => logger.warn({ sink: name, err: error }, 'cannot save the cursor'));
  let cursor: Position = saved.initial;
  /** When it last had everything the log held: how far behind in time it is. */
  let caughtUpAt = Date.now();
  let failures = 0;
  let stopped = false;
  let wake: (() => void) | undefined;
  const listeners = new Set<() => void>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function deliver(lines: Buffer, count: number) {
    const refused = await writeAroundRefusals(sink, stream, lines, count, { name, timeoutMs, split: deadLetter !== undefined });
    if (refused.length === 0) return;
    if (!deadLetter) throw new Error(`sink ${name} refused ${refused.length} records and has no dead-letter stream`);
    // Durable there before the cursor moves past them.
    await deadLetter.writeLines(deadLetterLines(refused, name, stream), refused.length);
    o.onDeadLetter?.(refused.length);
    const reasons = [...new Set(refused.map((r) => r.reason.slice(0, 200)))].slice(0, 5);
    logger.warn({ sink: name, events: refused.length, reasons }, 'records refused by the sink set aside in its dead-letter stream');
  }

  function advance(next: Position) {
    const finishedPart = next.seq !== cursor.seq;
    cursor = next;
    for (const listener of listeners) listener();
    saved.save(next);
    if (finishedPart) o.onPartDone?.();
  }

  let startedAt = 0;
  const loop = (async () => {
    while (!stopped) {
      const wait = startedAt + lingerMs - Date.now();
      if (wait > 0 && log.bytesFrom(cursor) < batchBytes) {
        await sleep(wait);
        if (stopped) break; // woken by stop(): its wake is spent
      }
      startedAt = Date.now();
      const read = await log.read(cursor, batchBytes).catch((error: Error) => {
        logger.error({ sink: name, err: error }, 'cannot read the log');
        return null;
      });
      if (read === null) {
        await sleep(maxBackoffMs);
        continue;
      }
      if (read.count === 0) {
        if (comparePositions(read.next, cursor) !== 0)
          advance(read.next); // past the end of a finished part
        else {
          caughtUpAt = Date.now();
          await Promise.race([log.waitForData(cursor), new Promise<void>((resolve) => (wake = resolve))]);
        }
        continue;
      }
      const { lines, count } = deliverable(read.lines, o.skipLine);
      if (count === 0) {
        advance(read.next);
        continue;
      }
      const started = process.hrtime.bigint();
      try {
        await deliver(lines, count);
        o.onDelivered?.(count, Number(process.hrtime.bigint() - started) / 1e9);
        if (failures >= breakerThreshold) logger.info({ sink: name }, 'sink recovered: circuit closed');
        failures = 0;
      } catch (error) {
        failures++;
        o.onFailure?.();
        if (failures === breakerThreshold) logger.error({ sink: name, err: error }, 'sink failing: circuit open');
        else if (failures < breakerThreshold) logger.warn({ sink: name, err: error, failures }, 'sink write failed, retrying');
        await sleep(Math.min(maxBackoffMs, 100 * 2 ** Math.min(failures, 16)));
        continue;
      }
      advance(read.next);
    }
  })();

  return {
    name,
    stream,
    cursor: () => cursor,
    /** Seconds since it last had everything the log held (0 while it has). */
    lagSeconds: () => (comparePositions(cursor, log.end()) >= 0 ? 0 : (Date.now() - caughtUpAt) / 1000),
    state: (): BreakerState => (failures >= breakerThreshold ? 'open' : failures > 0 ? 'retrying' : 'closed'),
    /** Resolves once this consumer has delivered everything before `position`. */
    delivered(position: Position): Promise<void> {
      if (comparePositions(cursor, position) >= 0) return Promise.resolve();
      return new Promise((resolve) => {
        const check = () => {
          if (comparePositions(cursor, position) >= 0 || stopped) {
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
      });
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop.catch((error) => logger.error({ sink: name, err: error }, 'consumer stopped on an error'));
      await saved.close();
      for (const listener of listeners) listener();
    },
  };
}

export type Consumer = Awaited<ReturnType<typeof startConsumer>>;

/**
 * The lines to deliver: a line overwritten with spaces (a forgotten person's, see `touchpoint
 * forget`) keeps its bytes in the part so that every offset stays valid, but holds no record.
 */
export function deliverable(lines: Buffer, skip?: (line: Uint8Array) => boolean): { lines: Buffer; count: number } {
  const kept: Buffer[] = [];
  let count = 0;
  let whole = true;
  for (let start = 0, end = lines.indexOf(0x0a); end !== -1; start = end + 1, end = lines.indexOf(0x0a, start)) {
    const line = lines.subarray(start, end);
    if (isBlank(line) || skip?.(line)) {
      whole = false;
      continue;
    }
    kept.push(lines.subarray(start, end + 1));
    count++;
  }
  return whole ? { lines, count } : { lines: Buffer.concat(kept), count };
}

/** A line of nothing but spaces (or nothing): a record taken out in place. */
export function isBlank(line: Uint8Array): boolean {
  for (const byte of line) if (byte !== 0x20) return false;
  return true;
}
