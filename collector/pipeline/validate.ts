import { MAX_EVENT_BYTES } from '../../sdk/protocol/limits';
import { eventSchema, formatIssues } from '../../sdk/protocol/schemas';
import type { EventType, TouchpointEvent } from '../../sdk/protocol/types';
import type { RejectionReason, ValidationIssue } from '../records';
import { compileAcceptor } from './compiled-schema';

// Most events are well-formed: they pass this compiled check and are used as they are. The rest
// go through zod, which strips unknown fields and words the errors.
const acceptsAsIs = compileAcceptor(eventSchema);

const formatIssue = ({ path, message }: ValidationIssue) => `${path.length ? path.join('.') : '(root)'}: ${message}`;

export type Validation =
  { ok: true; event: TouchpointEvent } | { ok: false; category: RejectionReason; reason: string; issues: ValidationIssue[]; messageId: string | null };

export interface ValidateOptions {
  /** Set by the single-event routes (`/v1/track` ...): the route names the type. */
  routeType?: EventType;
  /** False when the whole body is under the per-event limit, which spares a re-serialisation. */
  checkSize?: boolean;
  /** Tracking-plan violations of a schema-valid event, if a plan is loaded. */
  plan?: (event: TouchpointEvent) => ValidationIssue[];
}

/** The event returned may be `raw` itself, unchanged: the caller must own it. */
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
  const input = routeType ? { ...candidate, type: routeType } : candidate;
  const result = acceptsAsIs(input) ? { success: true as const, data: input as unknown as TouchpointEvent } : eventSchema.safeParse(input);
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
