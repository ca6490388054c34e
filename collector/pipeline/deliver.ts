import type { Logger } from 'pino';
import { AckTimeoutError, LogFullError, PartialAppendError, type Log } from '../log';
import { ndjson, type StoredEvent, type StreamName } from '../records';
import type { Claim, DedupStore } from '../state/dedup';
import type { Grant } from '../state/rate-limiter';
import type { EventFeed } from './feed';
import type { IngestResult } from './ingest';

/** The collector cannot take these events now; the client keeps them and retries (503). */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}

export interface DeliverOptions {
  log: Pick<Log, 'append'>;
  dedup: DedupStore;
  /** Puts a device's new events in order (`context.seq`): see `orderBySequence`. */
  order: (events: StoredEvent[]) => void;
  logger: Logger;
  /** Told what each request stored, once it is durable (the live view, the test collector). */
  feed?: EventFeed;
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
 * Delivery: de-duplicates a request's events by source × messageId, keeps what the sender's limits
 * allow, and appends its streams to the log (each serialised once, here); resolves once they are
 * durable. What is not written is released, so the client's retry is not taken for a duplicate.
 */
export function createDeliver({ log, dedup, order, logger, feed }: DeliverOptions) {
  async function forget(ids: string[]) {
    if (ids.length === 0) return;
    // If this fails too, a Redis claim lapses by itself (see DedupStore): re-sent, never lost.
    await dedup.release(ids).catch((error: unknown) => logger.error({ err: error, ids: ids.length }, 'cannot release de-dup claims; they lapse by themselves'));
  }
  async function keep(ids: string[]) {
    // Not committed in time, a claim lapses and a re-send is written twice: at-least-once, never lost.
    await dedup.commit(ids).catch((error: unknown) => logger.warn({ err: error }, 'de-dup claims not committed'));
  }

  const publish = (source: string, written: Record<'events' | 'bots', StoredEvent[]>, failed: IngestResult['failed']) => {
    if (feed?.active && written.events.length + written.bots.length + failed.length > 0) feed.publish({ source, ...written, failed });
  };

  return async (result: IngestResult, sender: Sender): Promise<Delivered> => {
    const candidates = [...result.accepted, ...result.bots];
    const ids = candidates.map((e) => `${sender.source}:${e.messageId}`);
    let claims: Claim[];
    try {
      claims = await dedup.claim(ids);
    } catch (error) {
      logger.error({ err: error }, 'de-dup store unavailable');
      throw new StorageUnavailableError('de-dup store unavailable');
    }
    const grant = sender.allowance ? await sender.allowance(claims.filter((c) => c === 'new').length, result.failed.length) : undefined;
    let allowed = grant?.granted ?? Infinity;
    const claimed: Record<'events' | 'bots', string[]> = { events: [], bots: [] };
    const written: Record<'events' | 'bots', StoredEvent[]> = { events: [], bots: [] };
    const over: string[] = [];
    let duplicates = 0;
    let pending = 0;
    // An id repeated within this request is pending on this request's own claim: a duplicate.
    const mine = new Set(ids.filter((_, i) => claims[i] === 'new'));
    candidates.forEach((event, i) => {
      const stream = i < result.accepted.length ? 'events' : 'bots';
      if (claims[i] === 'duplicate' || (claims[i] === 'pending' && mine.has(ids[i]!))) duplicates++;
      else if (claims[i] === 'pending') pending++;
      else if (allowed-- <= 0) over.push(ids[i]!);
      else {
        claimed[stream].push(ids[i]!);
        written[stream].push(event);
      }
    });
    await forget(over);
    order(written.events);

    const lines: Partial<Record<StreamName, Buffer>> = {};
    if (written.events.length) lines.events = Buffer.from(ndjson(written.events));
    if (written.bots.length) lines.bots = Buffer.from(ndjson(written.bots));
    if (result.failed.length) lines.failed = Buffer.from(ndjson(result.failed));
    try {
      if (Object.keys(lines).length > 0) await log.append(lines);
    } catch (error) {
      // What reached the log is kept (a re-send of it is a duplicate); the rest is released.
      const durable = error instanceof AckTimeoutError ? (['events', 'bots'] as const) : error instanceof PartialAppendError ? error.written : [];
      await keep([...(durable.includes('events') ? claimed.events : []), ...(durable.includes('bots') ? claimed.bots : [])]);
      await forget([...(durable.includes('events') ? [] : claimed.events), ...(durable.includes('bots') ? [] : claimed.bots)]);
      if (error instanceof AckTimeoutError) publish(sender.source, written, result.failed);
      if (error instanceof AckTimeoutError) throw new StorageUnavailableError('written, but the sinks have not confirmed yet');
      if (error instanceof LogFullError) throw new StorageUnavailableError('the sinks are too far behind');
      logger.error({ err: error }, 'cannot write to the log');
      throw new StorageUnavailableError('storage unavailable');
    }
    await keep([...claimed.events, ...claimed.bots]);
    publish(sender.source, written, result.failed);
    // Another request is writing some of these events and may yet fail: not known to be written,
    // so not a duplicate. The client sends the batch again, and finds them written or takes them.
    if (pending > 0) throw new StorageUnavailableError(`${pending} events are being written by another request`);
    return { accepted: written.events.length + written.bots.length, duplicates, limited: over.length, retryAfter: grant?.retryAfterSeconds ?? 0 };
  };
}

export type Deliver = ReturnType<typeof createDeliver>;
