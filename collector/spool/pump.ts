import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Sink } from '../sinks/sink';
import { comparePositions, type Position, type SegmentLog } from './segment-log';

export type StreamName = 'events' | 'failed' | 'bots';
export type SpoolRecord = Partial<Record<StreamName, object[]>>;

// A record is one byte saying which streams it holds, then its JSON: a pump skips records
// without its stream instead of parsing every request's events.
const STREAM_BITS: Record<StreamName, number> = { events: 1, failed: 2, bots: 4 };

export function encodeRecord(record: SpoolRecord): Buffer {
  let mask = 0;
  for (const stream of Object.keys(record) as StreamName[]) if (record[stream]?.length) mask |= STREAM_BITS[stream];
  const json = JSON.stringify(record);
  const payload = Buffer.allocUnsafe(1 + Buffer.byteLength(json));
  payload[0] = mask;
  payload.write(json, 1);
  return payload;
}

function decodeStream(payload: Buffer, stream: StreamName): object[] {
  if ((payload[0]! & STREAM_BITS[stream]) === 0) return [];
  return (JSON.parse(payload.toString('utf8', 1)) as SpoolRecord)[stream] ?? [];
}

export interface PumpOptions {
  name: string;
  stream: StreamName;
  sink: Sink;
  log: SegmentLog;
  cursorDir: string;
  logger: Logger;
  /** Bytes of spool read per delivery. */
  batchBytes?: number;
  /** A write that takes longer counts as failed (a stalled sink must not hold the pump forever). */
  timeoutMs?: number;
  /** Failures in a row that open the circuit. */
  breakerThreshold?: number;
  maxBackoffMs?: number;
  onDelivered?: (count: number, seconds: number) => void;
  onFailure?: () => void;
}

export type BreakerState = 'closed' | 'retrying' | 'open';

/**
 * Delivers one stream of the spool to one sink, from its own persisted cursor: retries with
 * capped backoff, and after `breakerThreshold` failures in a row opens its circuit (reported by
 * /readyz) and probes with single attempts. A slow or dead sink holds only its own pump.
 */
export async function startPump(o: PumpOptions) {
  const { name, stream, sink, log, logger, batchBytes = 1024 * 1024, timeoutMs = 10_000, breakerThreshold = 5, maxBackoffMs = 30_000 } = o;
  await mkdir(o.cursorDir, { recursive: true });
  const cursorFile = join(o.cursorDir, `${name.replace(/[^\w.-]/g, '_')}.json`);
  let cursor: Position = await readFile(cursorFile, 'utf8').then((t) => JSON.parse(t) as Position, () => ({ segment: 0, offset: 0 }));
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

  async function deliver(events: object[]) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`sink ${name} did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([sink.write(events), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  // If the cursor cannot be saved (a full disk), delivery goes on from memory: a crash then only
  // means re-delivery, which the idempotent sinks absorb.
  async function saveCursor(next: Position) {
    cursor = next;
    for (const listener of listeners) listener();
    const tmp = `${cursorFile}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify(cursor));
      await rename(tmp, cursorFile);
    } catch (error) {
      logger.warn({ sink: name, err: error }, 'cannot save the spool cursor');
    }
  }

  const loop = (async () => {
    while (!stopped) {
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
      const events = records.flatMap((r) => decodeStream(r.payload, stream));
      if (events.length > 0) {
        const started = process.hrtime.bigint();
        try {
          await deliver(events);
          o.onDelivered?.(events.length, Number(process.hrtime.bigint() - started) / 1e9);
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
      await saveCursor(records.at(-1)!.next);
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
      for (const listener of listeners) listener();
    },
  };
}

export type Pump = Awaited<ReturnType<typeof startPump>>;
