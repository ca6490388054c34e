import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import { AckTimeoutError, SpoolFullError, type Spool } from '../spool';
import type { SpoolRecord } from '../spool/pump';
import type { DedupStore } from '../state/dedup';
import type { EnrichedEvent } from './enrich';
import type { EventFeed } from './feed';
import type { IngestResult } from './ingest';
import type { SequenceTracker } from './sequence';

export interface DeliverOptions {
  spool: Spool;
  dedup: DedupStore;
  sequence: SequenceTracker;
  metrics: Metrics;
  logger: Logger;
  /** Told what each request stored, once it is durable (the live view, the test collector). */
  feed?: EventFeed;
}

/** The collector cannot take these events now; the client keeps them and retries (503). */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}

/**
 * De-duplicates by write key × messageId, then puts the request's events, bot events and failed
 * records into the spool as one record, and resolves once that is durable. If it cannot be
 * spooled, the claims are released so the client's retry is not taken for a duplicate.
 */
export function createDeliver({ spool, dedup, sequence, metrics, logger, feed }: DeliverOptions) {
  return async (result: IngestResult, source: { key: string; name: string }): Promise<{ accepted: number; duplicates: number }> => {
    const candidates = [...result.accepted, ...result.bots];
    const ids = candidates.map((e) => `${source.key}:${e.messageId}`);
    let fresh: boolean[];
    try {
      fresh = await dedup.claim(ids);
    } catch (error) {
      logger.error({ err: error }, 'de-dup store unavailable');
      throw new StorageUnavailableError('de-dup store unavailable');
    }
    const claimed = ids.filter((_, i) => fresh[i]);
    const events: EnrichedEvent[] = [];
    const bots: EnrichedEvent[] = [];
    candidates.forEach((event, i) => {
      if (fresh[i]) (i < result.accepted.length ? events : bots).push(event);
    });
    for (const event of events) observeSequence(sequence, event);

    const record: SpoolRecord = {};
    if (events.length) record.events = events;
    if (bots.length) record.bots = bots;
    if (result.failed.length) record.failed = result.failed;
    if (Object.keys(record).length > 0) {
      try {
        await spool.append(record);
      } catch (error) {
        if (error instanceof AckTimeoutError) throw new StorageUnavailableError('spooled, but the sinks have not confirmed yet');
        if (!(error instanceof SpoolFullError)) logger.error({ err: error }, 'cannot write to the spool');
        await dedup.release(claimed).catch(() => {});
        throw new StorageUnavailableError(error instanceof SpoolFullError ? 'spool full' : 'storage unavailable');
      }
      if (feed?.active) feed.publish({ source: source.name, events, bots, failed: result.failed });
    }

    const duplicates = candidates.length - claimed.length;
    metrics.accepted.inc({ source: source.name }, events.length + bots.length);
    if (duplicates) metrics.duplicates.inc({ source: source.name }, duplicates);
    const botCount = bots.length + events.filter((e) => e.context.bot).length;
    if (botCount) metrics.bots.inc(botCount);
    for (const failed of result.failed) metrics.rejected.inc({ source: source.name, reason: failed.category });
    metrics.seqGaps.set(sequence.lost());
    return { accepted: events.length + bots.length, duplicates };
  };
}

function observeSequence(sequence: SequenceTracker, event: EnrichedEvent) {
  const seq = event.context.seq;
  const device = event.anonymousId ?? event.userId;
  if (typeof seq === 'number' && Number.isInteger(seq) && seq >= 0 && device) {
    event.timestamp = sequence.observe(device, seq, event.timestamp);
  }
}
