/**
 * What flows from the pipeline through the log to the sinks: the streams, the records each holds,
 * and their encoding (NDJSON, one record per line). The log, its consumers and the sinks all import
 * this module and none of them imports another.
 */
import type { Context, TouchpointEvent } from '../../sdk/protocol/types';

export type StreamName = 'events' | 'failed' | 'bots';
export const STREAMS: readonly StreamName[] = ['events', 'failed', 'bots'];

/** Time fields the collector stamps on an event. */
export interface TimeFields {
  /** The event's time, corrected for the client's clock skew. */
  timestamp: string;
  /** The client's own time for it, as sent. */
  originalTimestamp?: string;
  sentAt?: string;
  receivedAt: string;
}

/** An accepted event as stored: the client's event, enriched. */
export type StoredEvent = TouchpointEvent & TimeFields & { messageId: string; context: Context; source: string };

/** One machine-readable problem: where in the event, and what. */
export interface ValidationIssue {
  path: (string | number)[];
  message: string;
}

export type RejectionReason = 'schema' | 'tracking_plan' | 'oversize' | 'not_object';

/** What the failed-events stream holds: enough to understand, count and replay the event. */
export interface FailedRecord {
  reason: string;
  category: RejectionReason;
  /** The same problems, machine-readable: zod issue paths and messages. */
  issues: ValidationIssue[];
  receivedAt: string;
  writeKeyName: string;
  /** The event as the client sent it (personal data scrubbed)... */
  event?: unknown;
  /** ...or, for an event over the size limit, the start of its JSON. */
  eventTruncated?: string;
}

/** Records as NDJSON: one JSON document per line (JSON.stringify never writes a raw newline). */
export function ndjson(records: readonly object[]): string {
  let text = '';
  for (const record of records) text += JSON.stringify(record) + '\n';
  return text;
}

/** How many records NDJSON holds: one per line. */
export function countLines(lines: Uint8Array): number {
  let count = 0;
  for (let at = lines.indexOf(0x0a); at !== -1; at = lines.indexOf(0x0a, at + 1)) count++;
  return count;
}

/** The lines of NDJSON (without their newlines). */
export function splitLines(lines: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  for (let start = 0, at = lines.indexOf(0x0a); at !== -1; start = at + 1, at = lines.indexOf(0x0a, start)) parts.push(lines.subarray(start, at));
  return parts;
}
