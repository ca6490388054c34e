import type { Logger } from 'pino';
import { AckTimeoutError, SpoolFullError, type Spool } from '../spool';
import type { SpoolRecord } from '../spool/pump';
import type { DedupStore } from '../state/dedup';
import type { Grant } from '../state/rate-limiter';
import type { EnrichedEvent } from './enrich';
import type { IngestResult } from './ingest';

/** The collector cannot take these events now; the client keeps them and retries (503). */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}

export interface DeliverOptions {
  spool: Spool;
  dedup: DedupStore;
  /** Puts a device's new events in order (`context.seq`): see `createSequenceTracker`. */
  order: (events: EnrichedEvent[]) => void;
  logger: Logger;
}

/** Who sent a request, as delivery needs it: the source, and what its events may cost. */
export interface Sender {
  source: string;
  /**
   * How many of `wanted` new events the sender's rate limits let through now; `debt` (invalid
   * events, which cost storage) is charged without being refused. Absent: no limit.
   */
  allowance?: (wanted: number, debt: number) => Promise<Grant>;
}

export interface Delivered {
  /** New events written (valid and bots). */
  accepted: number;
  /** Events already written before (same source and messageId), not written again. */
  duplicates: number;
  /** New events over the rate limit, not written: the client sends them again after `retryAfter`. */
  limited: number;
  retryAfter: number;
}

/**
 * De-duplicates by source × messageId, takes what the sender's limits allow, puts the request's
 * events, bot events and failed records into the spool as one record, and resolves once that is
 * durable. What is not written is released, so the client's retry is not taken for a duplicate.
 */
export function createDeliver({ spool, dedup, order, logger }: DeliverOptions) {
  async function forget(ids: string[]) {
    if (ids.length === 0) return;
    // If this fails too, a Redis claim lapses by itself (see DedupStore): re-sent, never lost.
    await dedup.release(ids).catch((error: unknown) => logger.error({ err: error, ids: ids.length }, 'cannot release de-dup claims; they lapse by themselves'));
  }

  return async (result: IngestResult, sender: Sender): Promise<Delivered> => {
    const candidates = [...result.accepted, ...result.bots];
    const ids = candidates.map((e) => `${sender.source}:${e.messageId}`);
    let fresh: boolean[];
    try {
      fresh = await dedup.claim(ids);
    } catch (error) {
      logger.error({ err: error }, 'de-dup store unavailable');
      throw new StorageUnavailableError('de-dup store unavailable');
    }
    const claimed: string[] = [];
    const events: EnrichedEvent[] = [];
    const bots: EnrichedEvent[] = [];
    let duplicates = 0;
    const grant = sender.allowance ? await sender.allowance(fresh.filter(Boolean).length, result.failed.length) : undefined;
    let allowed = grant?.granted ?? Infinity;
    const over: string[] = [];
    candidates.forEach((event, i) => {
      if (!fresh[i]) duplicates++;
      else if (allowed-- <= 0) over.push(ids[i]!);
      else {
        claimed.push(ids[i]!);
        (i < result.accepted.length ? events : bots).push(event);
      }
    });
    await forget(over);
    order(events);

    const record: SpoolRecord = {};
    if (events.length) record.events = events;
    if (bots.length) record.bots = bots;
    if (result.failed.length) record.failed = result.failed;
    if (Object.keys(record).length > 0) {
      try {
        await spool.append(record);
      } catch (error) {
        if (error instanceof AckTimeoutError) {
          // Durable in the spool all the same: the retry is a duplicate.
          await dedup.commit(claimed).catch(() => {});
          throw new StorageUnavailableError('spooled, but the sinks have not confirmed yet');
        }
        if (!(error instanceof SpoolFullError)) logger.error({ err: error }, 'cannot write to the spool');
        await forget(claimed);
        throw new StorageUnavailableError(error instanceof SpoolFullError ? 'spool full' : 'storage unavailable');
      }
    }
    // Not committed in time, a claim lapses and a re-send is written twice: at-least-once, never lost.
    await dedup.commit(claimed).catch((error: unknown) => logger.warn({ err: error }, 'de-dup claims not committed'));
    return { accepted: events.length + bots.length, duplicates, limited: over.length, retryAfter: grant?.retryAfterSeconds ?? 0 };
  };
}

export type Deliver = ReturnType<typeof createDeliver>;
