import { constants } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { EventsRefusedError, ndjson, type Sink } from '../sinks/sink';
import { comparePositions, type Position, type SegmentLog } from './segment-log';

export type StreamName = 'events' | 'failed' | 'bots';
export type SpoolRecord = Partial<Record<StreamName, object[]>>;

const STREAMS: readonly StreamName[] = ['events', 'failed', 'bots'];
const STREAM_BITS: Record<StreamName, number> = { events: 1, failed: 2, bots: 4 };
const LINES_FORMAT = 0x80;
/** A saved cursor, JSON padded with spaces: `{"segment":…,"offset":…}` never needs more. */
const CURSOR_BYTES = 64;

/**
 * A record is one byte saying which streams it holds, then each stream's events as NDJSON
 * (u32 length, then the lines). Events are serialised once, here: a pump skips records without its
 * stream, and hands its stream's lines to a sink that stores lines without parsing them.
 */
export function encodeRecord(record: SpoolRecord): Buffer {
  let mask = LINES_FORMAT;
  let size = 1;
  const sections: { lines: string; bytes: number }[] = [];
  for (const stream of STREAMS) {
    const events = record[stream];
    if (!events?.length) continue;
    mask |= STREAM_BITS[stream];
    const lines = ndjson(events);
    const bytes = Buffer.byteLength(lines);
    sections.push({ lines, bytes });
    size += 4 + bytes;
  }
  // Written straight into one buffer: a request's events are copied once.
  const payload = Buffer.allocUnsafe(size);
  payload[0] = mask;
  let offset = 1;
  for (const { lines, bytes } of sections) {
    payload.writeUInt32BE(bytes, offset);
    payload.write(lines, offset + 4);
    offset += 4 + bytes;
  }
  return payload;
}

/** The stream's events in a record, as NDJSON. */
export function decodeStream(payload: Buffer, stream: StreamName): Buffer | undefined {
  const mask = payload[0]!;
  if ((mask & STREAM_BITS[stream]) === 0) return undefined;
  if ((mask & LINES_FORMAT) === 0) {
    // A record from before the NDJSON layout (one JSON document), left in a spool by an upgrade.
    return Buffer.from(ndjson((JSON.parse(payload.toString('utf8', 1)) as SpoolRecord)[stream] ?? []));
  }
  let offset = 1;
  for (const name of STREAMS) {
    if ((mask & STREAM_BITS[name]) === 0) continue;
    const length = payload.readUInt32BE(offset);
    if (name === stream) return payload.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
  }
  return undefined;
}

/** How many events NDJSON holds: one per line, and JSON.stringify never writes a raw newline. */
function countLines(lines: Buffer): number {
  let count = 0;
  for (let at = lines.indexOf(0x0a); at !== -1; at = lines.indexOf(0x0a, at + 1)) count++;
  return count;
}

/** A saved cursor; one never written (an empty file) or unreadable means from the start. */
function parseCursor(text: string): Position {
  try {
    const { segment, offset } = JSON.parse(text) as Position;
    if (Number.isSafeInteger(segment) && Number.isSafeInteger(offset) && segment >= 0 && offset >= 0) return { segment, offset };
  } catch {
    // empty or torn: fall through
  }
  return { segment: 0, offset: 0 };
}

/** Splits NDJSON into its lines (without their newlines). */
function splitLines(lines: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  for (let start = 0, at = lines.indexOf(0x0a); at !== -1; start = at + 1, at = lines.indexOf(0x0a, start)) parts.push(lines.subarray(start, at));
  return parts;
}
const joinLines = (parts: Buffer[]) => Buffer.concat(parts.flatMap((p) => [p, NEWLINE]));
const NEWLINE = Buffer.from('\n');

/** A sink that stores NDJSON as it is given (the dead-letter streams are NDJSON sinks). */
export type LineSink = Required<Pick<Sink, 'writeLines' | 'close'>>;

/** An event a sink refused, and why. */
export interface Refusal {
  line: Buffer;
  reason: string;
}

export interface PumpOptions {
  name: string;
  stream: StreamName;
  sink: Sink;
  /**
   * Where events the sink refuses for what they hold are set aside (NDJSON records with the sink's
   * reason), so that one bad event never blocks the sink. Without it, such a batch is retried.
   */
  deadLetter?: LineSink;
  log: SegmentLog;
  cursorDir: string;
  logger: Logger;
  /** Bytes of spool read per delivery. */
  batchBytes?: number;
  /**
   * Deliveries start at most this often while less than `batchBytes` waits: under load each
   * delivery (a sink write and a cursor save) then carries many requests instead of one or two.
   */
  lingerMs?: number;
  /** A write that takes longer counts as failed (a stalled sink must not hold the pump forever). */
  timeoutMs?: number;
  /** Failures in a row that open the circuit. */
  breakerThreshold?: number;
  maxBackoffMs?: number;
  onDelivered?: (count: number, seconds: number) => void;
  onFailure?: () => void;
  onDeadLetter?: (count: number) => void;
}

export type BreakerState = 'closed' | 'retrying' | 'open';

/**
 * Delivers one stream of the spool to one sink, from its own persisted cursor: retries with
 * capped backoff, and after `breakerThreshold` failures in a row opens its circuit (reported by
 * /readyz) and probes with single attempts. A slow or dead sink holds only its own pump.
 */
export async function startPump(o: PumpOptions) {
  const { name, stream, sink, deadLetter, log, logger, batchBytes = 1024 * 1024, lingerMs = 0, timeoutMs = 10_000, breakerThreshold = 5, maxBackoffMs = 30_000 } = o;
  await mkdir(o.cursorDir, { recursive: true });
  const cursorFile = join(o.cursorDir, `${name.replace(/[^\w.-]/g, '_')}.json`);
  let cursor: Position = await readFile(cursorFile, 'utf8').then(parseCursor, () => ({ segment: 0, offset: 0 }));
  // Rewritten in place, padded to a fixed width: one small write per save, which a killed process
  // makes whole or not at all. (A cursor that cannot be read means re-delivery, never loss.)
  const cursorHandle = await open(cursorFile, constants.O_RDWR | constants.O_CREAT);
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

  /** One write to the sink, bounded in time; what it left out, by line. */
  async function attempt(lines: Buffer, count: number): Promise<Refusal[]> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`sink ${name} did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const written = sink.writeLines
      ? sink.writeLines(lines, count)
      : sink.write(lines.toString('utf8').split('\n', count).map((line) => JSON.parse(line) as object));
    try {
      const outcome = await Promise.race([written, timeout]);
      if (!outcome || outcome.refused.length === 0) return [];
      const parts = splitLines(lines);
      return outcome.refused.map(({ index, reason }) => ({ line: parts[index]!, reason }));
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Writes the lines; when the store refuses the write for what an event holds, halves the batch
   * until the refused events stand alone (log2 of the batch in extra writes per bad event), and
   * returns them. Any other failure is thrown, for the whole batch to be retried: what was written
   * already is written again, which the sinks absorb by messageId.
   */
  async function writeAround(lines: Buffer, count: number): Promise<Refusal[]> {
    try {
      return await attempt(lines, count);
    } catch (error) {
      if (!(error instanceof EventsRefusedError) || !deadLetter) throw error;
      const parts = splitLines(lines);
      if (parts.length === 1) return [{ line: parts[0]!, reason: error.message }];
      const half = parts.length >> 1;
      return [...(await writeAround(joinLines(parts.slice(0, half)), half)), ...(await writeAround(joinLines(parts.slice(half)), parts.length - half))];
    }
  }

  async function deliver(lines: Buffer, count: number) {
    const refused = await writeAround(lines, count);
    if (refused.length === 0) return;
    if (!deadLetter) throw new Error(`sink ${name} refused ${refused.length} events and has no dead-letter stream`);
    const at = JSON.stringify(new Date().toISOString());
    const head = `{"at":${at},"sink":${JSON.stringify(name)},"stream":"${stream}","reason":`;
    const records = refused.map(({ line, reason }) => `${head}${JSON.stringify(reason.slice(0, 1000))},"event":${line.toString('utf8')}}\n`);
    // Durable there before the cursor moves past them.
    await deadLetter.writeLines(Buffer.from(records.join('')), records.length);
    o.onDeadLetter?.(refused.length);
    const reasons = [...new Set(refused.map((r) => r.reason.slice(0, 200)))].slice(0, 5);
    logger.warn({ sink: name, events: refused.length, reasons }, 'events refused by the sink set aside in its dead-letter stream');
  }

  // If the cursor cannot be saved (a full disk), delivery goes on from memory: a crash then only
  // means re-delivery, which the idempotent sinks absorb. One write is in flight at a time and
  // carries the latest cursor, so under load saves coalesce instead of queueing.
  let saving: Promise<void> | undefined;
  let unsaved = false;
  let savedAt = 0;
  function persistCursor() {
    unsaved = true;
    saving ??= (async () => {
      while (unsaved) {
        unsaved = false;
        savedAt = Date.now();
        try {
          const text = Buffer.from(JSON.stringify(cursor).padEnd(CURSOR_BYTES));
          await cursorHandle.write(text, 0, CURSOR_BYTES, 0);
        } catch (error) {
          logger.warn({ sink: name, err: error }, 'cannot save the spool cursor');
        }
      }
      saving = undefined;
    })();
  }

  // Past records with nothing for this sink, the cursor is saved at most once a second: reading
  // them again after a crash delivers nothing.
  function advance(next: Position, delivered: boolean) {
    cursor = next;
    for (const listener of listeners) listener();
    if (delivered || Date.now() - savedAt >= 1000) persistCursor();
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
      const records = await log.read(cursor, batchBytes).catch((error: Error) => {
        logger.error({ sink: name, err: error }, 'cannot read the spool');
        return null;
      });
      if (records === null) {
        await sleep(maxBackoffMs);
        continue;
      }
      if (records.length === 0) {
        await Promise.race([log.waitForData(cursor), new Promise<void>((resolve) => (wake = resolve))]);
        continue;
      }
      const parts = records.map((r) => decodeStream(r.payload, stream)).filter((p) => p !== undefined);
      const lines = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      const count = countLines(lines);
      if (count > 0) {
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
      }
      advance(records.at(-1)!.next, count > 0);
    }
  })();

  return {
    name,
    cursor: () => cursor,
    state: (): BreakerState => (failures >= breakerThreshold ? 'open' : failures > 0 ? 'retrying' : 'closed'),
    /** Resolves once this pump has delivered everything before `position`. */
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
      await loop.catch((error) => logger.error({ sink: name, err: error }, 'pump stopped on an error'));
      persistCursor();
      await saving;
      await cursorHandle.close();
      for (const listener of listeners) listener();
    },
  };
}

export type Pump = Awaited<ReturnType<typeof startPump>>;
