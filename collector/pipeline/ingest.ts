import { MAX_EVENT_BYTES } from '../../sdk/protocol/limits';
import type { Context, EventType, RejectedEvent, TouchpointEvent } from '../../sdk/protocol/types';
import type { FailedRecord, StoredEvent, ValidationIssue } from '../records';
import type { Enricher, RequestFacts } from './enrich';
import { normaliseEvent } from './normalise';
import { validateEvent } from './validate';

export interface IngestInput extends RequestFacts {
  /** Batch-level `context`, merged under each event's own. */
  batchContext?: Context;
  routeType?: EventType;
  /** Size of the decoded body: when it is under the per-event limit, no event can exceed it. */
  bodyBytes: number;
}

export interface IngestResult {
  accepted: StoredEvent[];
  /** Valid events from bots, when bots are routed to their own stream. */
  bots: StoredEvent[];
  rejected: RejectedEvent[];
  failed: FailedRecord[];
  /** Events of people on the suppression list: dropped, written nowhere. */
  suppressed: number;
}

export interface IngestOptions {
  enrich: Enricher;
  /** Takes personal data out of an event bound for the failed stream, as enrichment does for valid ones. */
  scrub: (raw: unknown) => void;
  plan?: (event: TouchpointEvent) => ValidationIssue[];
  routeBots: boolean;
  /** Whether an event belongs to someone who asked to be forgotten (see `watchSuppression`). */
  suppressed?: (event: unknown) => boolean;
}

const TRUNCATED_BYTES = 4096;

/** Validates and enriches each event on its own, so one bad event never sinks its batch. */
export function createIngest({ enrich, scrub, plan, routeBots, suppressed }: IngestOptions) {
  return (rawEvents: readonly unknown[], input: IngestInput): IngestResult => {
    const result: IngestResult = { accepted: [], bots: [], rejected: [], failed: [], suppressed: 0 };
    const receivedAt = input.receivedAt.toISOString();
    const checkSize = input.bodyBytes > MAX_EVENT_BYTES;
    for (const sent of rawEvents) {
      const raw = withBatchContext(normaliseEvent(sent), input.batchContext);
      const validation = validateEvent(raw, { routeType: input.routeType, checkSize, plan });
      if (validation.ok) {
        const event = enrich(validation.event, input);
        // Matched as stored (identifiers hashed by enrichment), as the suppression list holds them.
        if (suppressed?.(event)) {
          result.suppressed++;
          continue;
        }
        (routeBots && event.context.bot ? result.bots : result.accepted).push(event);
        continue;
      }
      const { category, reason, issues, messageId } = validation;
      result.rejected.push({ messageId, reason });
      scrub(raw);
      if (suppressed?.(raw)) {
        result.suppressed++;
        continue;
      }
      result.failed.push({
        reason,
        category,
        issues,
        receivedAt,
        writeKeyName: input.source,
        ...(category === 'oversize' ? { eventTruncated: JSON.stringify(raw).slice(0, TRUNCATED_BYTES) } : { event: raw }),
      });
    }
    return result;
  };
}

export type Ingest = ReturnType<typeof createIngest>;

function withBatchContext(raw: unknown, batchContext: Context | undefined): unknown {
  if (!batchContext || typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const event = raw as { context?: unknown };
  if (event.context === undefined) return { ...event, context: batchContext };
  // A malformed own context is left as it is, for validation to reject.
  if (typeof event.context !== 'object' || event.context === null || Array.isArray(event.context)) return raw;
  return { ...event, context: { ...batchContext, ...event.context } };
}
