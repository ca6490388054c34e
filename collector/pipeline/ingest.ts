import { MAX_EVENT_BYTES } from '../../sdk/protocol/limits';
import type { Context, EventType, RejectedEvent } from '../../sdk/protocol/types';
import { enrichEvent, type EnrichedEvent } from './enrich';
import { validateEvent } from './validate';

/** What the failed-events stream holds: enough to understand and replay the event. */
export interface FailedRecord {
  reason: string;
  receivedAt: string;
  writeKey: string;
  event: unknown;
}

export interface IngestInput {
  writeKey: string;
  receivedAt: Date;
  ip?: string;
  sentAt?: string;
  /** Batch-level `context`, merged under each event's own. */
  batchContext?: Context;
  routeType?: EventType;
  /** Size of the decoded body: when it is under the per-event limit, no event can exceed it. */
  bodyBytes: number;
}

export interface IngestResult {
  accepted: EnrichedEvent[];
  rejected: RejectedEvent[];
  failed: FailedRecord[];
}

/** Validates and enriches each event on its own, so one bad event never sinks its batch. */
export function ingest(rawEvents: readonly unknown[], input: IngestInput): IngestResult {
  const result: IngestResult = { accepted: [], rejected: [], failed: [] };
  const receivedAt = input.receivedAt.toISOString();
  const checkSize = input.bodyBytes > MAX_EVENT_BYTES;
  for (const raw of rawEvents) {
    const validation = validateEvent(withBatchContext(raw, input.batchContext), { routeType: input.routeType, checkSize });
    if (validation.ok) {
      result.accepted.push(enrichEvent(validation.event, input));
    } else {
      result.rejected.push({ messageId: validation.messageId, reason: validation.reason });
      result.failed.push({ reason: validation.reason, receivedAt, writeKey: input.writeKey, event: raw });
    }
  }
  return result;
}

function withBatchContext(raw: unknown, batchContext: Context | undefined): unknown {
  if (!batchContext || typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const event = raw as { context?: unknown };
  if (event.context === undefined) return { ...event, context: batchContext };
  // A malformed own context is left as it is, for validation to reject.
  if (typeof event.context !== 'object' || event.context === null || Array.isArray(event.context)) return raw;
  return { ...event, context: { ...batchContext, ...event.context } };
}
