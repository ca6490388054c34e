import { MAX_EVENT_BYTES } from '../../sdk/protocol/limits';
import { eventSchema, formatIssues } from '../../sdk/protocol/schemas';
import type { EventType, TouchpointEvent } from '../../sdk/protocol/types';

export type Validation =
  | { ok: true; event: TouchpointEvent }
  | { ok: false; reason: string; messageId: string | null };

export interface ValidateOptions {
  /** Set by the single-event routes (`/v1/track` ...): the route names the type. */
  routeType?: EventType;
  /** False when the whole body is under the per-event limit, which spares a re-serialisation. */
  checkSize?: boolean;
}

export function validateEvent(raw: unknown, { routeType, checkSize = true }: ValidateOptions = {}): Validation {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: '(root): event must be a JSON object', messageId: null };
  }
  const candidate = raw as Record<string, unknown>;
  const messageId = typeof candidate.messageId === 'string' ? candidate.messageId : null;
  if (checkSize) {
    const bytes = Buffer.byteLength(JSON.stringify(candidate));
    if (bytes > MAX_EVENT_BYTES) {
      return { ok: false, reason: `(root): event is ${bytes} bytes, the limit is ${MAX_EVENT_BYTES}`, messageId };
    }
  }
  const result = eventSchema.safeParse(routeType ? { ...candidate, type: routeType } : candidate);
  return result.success
    ? { ok: true, event: result.data }
    : { ok: false, reason: formatIssues(result.error), messageId };
}
