import type { TouchpointEvent } from '../../../sdk/protocol/types';

/** Beyond this, a clock is not skewed but wrong (or the event was queued offline for days). */
export const MAX_SKEW_MS = 24 * 60 * 60 * 1000;

export interface TimeFields {
  timestamp: string;
  originalTimestamp?: string;
  sentAt?: string;
  receivedAt: string;
}

/**
 * Keeps the client's time as `originalTimestamp` and corrects `timestamp` for the client's
 * clock skew as Segment does: receivedAt − (sentAt − originalTimestamp). A skew over ±24 h is
 * not corrected; the client time is kept and the event flagged in `context.clockSkew`.
 */
export function stampTime(
  event: TouchpointEvent,
  receivedAt: Date,
  batchSentAt: string | undefined,
  // The same for every event of a request: the caller may format it once.
  receivedAt_ = receivedAt.toISOString(),
): TimeFields & { skewFlag?: number } {
  const original = event.timestamp;
  const sent = event.sentAt ?? batchSentAt;
  const fields: TimeFields & { skewFlag?: number } = { timestamp: original ?? receivedAt_, receivedAt: receivedAt_ };
  if (original) fields.originalTimestamp = original;
  if (sent) fields.sentAt = sent;
  if (original && sent) {
    const skew = Date.parse(sent) - receivedAt.getTime();
    if (Math.abs(skew) <= MAX_SKEW_MS) fields.timestamp = new Date(Date.parse(original) - skew).toISOString();
    else fields.skewFlag = skew;
  }
  return fields;
}
