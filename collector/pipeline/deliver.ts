import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import type { Sink } from '../sinks/sink';
import type { DedupStore } from '../state/dedup';
import type { EnrichedEvent } from './enrich';
import type { IngestResult } from './ingest';
import type { SequenceTracker } from './sequence';

export interface Sinks {
  events: Sink;
  failed: Sink;
  bots: Sink;
}

export interface DeliverOptions {
  sinks: Sinks;
  dedup: DedupStore;
  sequence: SequenceTracker;
  metrics: Metrics;
  logger: Logger;
}

export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}

/**
 * De-duplicates by write key × messageId, then writes every stream and resolves only when all
 * are durable. If a write fails, the claims are released so the client's retry is not taken for
 * a duplicate, and the caller answers 503.
 */
export function createDeliver({ sinks, dedup, sequence, metrics, logger }: DeliverOptions) {
  async function write(name: keyof Sinks, events: readonly object[]) {
    if (events.length === 0) return;
    const stop = metrics.sinkSeconds.startTimer({ sink: name });
    try {
      await sinks[name].write(events);
      stop({ outcome: 'ok' });
    } catch (error) {
      stop({ outcome: 'error' });
      throw error;
    }
  }

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
    try {
      await Promise.all([write('events', events), write('bots', bots), write('failed', result.failed)]);
    } catch (error) {
      logger.error({ err: error }, 'sink write failed; answering 503 so the client keeps the events');
      await dedup.release(claimed).catch(() => {});
      throw new StorageUnavailableError('storage unavailable');
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
