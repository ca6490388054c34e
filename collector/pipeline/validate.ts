import { MAX_EVENT_BYTES } from '../../sdk/protocol/limits';
import { eventSchema, formatIssues } from '../../sdk/protocol/schemas';
import type { EventType, TouchpointEvent } from '../../sdk/protocol/types';
import type { RejectionReason } from '../metrics';

const formatIssue = ({ path, message }: ValidationIssue) => `${path.length ? path.join('.') : '(root)'}: ${message}`;

/** One machine-readable problem: where in the event, and what. */
export interface ValidationIssue {
  path: (string | number)[];
  message: string;
}

export type Validation =
  | { ok: true; event: TouchpointEvent }
  | { ok: false; category: RejectionReason; reason: string; issues: ValidationIssue[]; messageId: string | null };

export interface ValidateOptions {
  /** Set by the single-event routes (`/v1/track` ...): the route names the type. */
  routeType?: EventType;
  /** False when the whole body is under the per-event limit, which spares a re-serialisation. */
  checkSize?: boolean;
  /** Tracking-plan violations of a schema-valid event, if a plan is loaded. */
  plan?: (event: TouchpointEvent) => ValidationIssue[];
}

export function validateEvent(raw: unknown, { routeType, checkSize = true, plan }: ValidateOptions = {}): Validation {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const message = 'event must be a JSON object';
    return { ok: false, category: 'not_object', reason: `(root): ${message}`, issues: [{ path: [], message }], messageId: null };
  }
  const candidate = raw as Record<string, unknown>;
  const messageId = typeof candidate.messageId === 'string' ? candidate.messageId.slice(0, 256) : null;
  if (checkSize) {
    const bytes = Buffer.byteLength(JSON.stringify(candidate));
    if (bytes > MAX_EVENT_BYTES) {
      const message = `event is ${bytes} bytes, the limit is ${MAX_EVENT_BYTES}`;
      return { ok: false, category: 'oversize', reason: `(root): ${message}`, issues: [{ path: [], message }], messageId };
    }
  }
  const result = eventSchema.safeParse(routeType ? { ...candidate, type: routeType } : candidate);
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message }));
    return { ok: false, category: 'schema', reason: formatIssues(result.error), issues, messageId };
  }
  const violations = plan?.(result.data);
  if (violations?.length) {
    return { ok: false, category: 'tracking_plan', reason: violations.map(formatIssue).join('; '), issues: violations, messageId };
  }
  return { ok: true, event: result.data };
}
