import type { EnrichedEvent } from '../pipeline/enrich';
import type { FailedRecord } from '../pipeline/ingest';

/** What the table sinks (PostgreSQL, MySQL) take: where, and which of the two row shapes. */
export interface TableSinkOptions {
  url: string;
  table: string;
  /** `events` (the events and bots streams) or `failed` records. */
  shape: 'events' | 'failed';
}

/** The typed columns the warehouse sinks share; the whole event also goes in as JSON. */
export interface EventRow {
  message_id: string;
  type: string;
  /** Track event name, or page / screen name. */
  event: string | null;
  anonymous_id: string | null;
  user_id: string | null;
  timestamp: string;
  received_at: string;
  properties: string | null;
  traits: string | null;
  context: string;
  raw: string;
}

export interface FailedRow {
  received_at: string;
  write_key_name: string;
  category: string;
  reason: string;
  issues: string;
  event: string;
}

export function eventRow(e: EnrichedEvent): EventRow {
  const fields = e as EnrichedEvent & { event?: string; name?: string; properties?: object; traits?: object };
  return {
    message_id: e.messageId,
    type: e.type,
    event: fields.event ?? fields.name ?? null,
    anonymous_id: e.anonymousId ?? null,
    user_id: e.userId ?? null,
    timestamp: e.timestamp,
    received_at: e.receivedAt,
    properties: fields.properties ? JSON.stringify(fields.properties) : null,
    traits: fields.traits ? JSON.stringify(fields.traits) : null,
    context: JSON.stringify(e.context),
    raw: JSON.stringify(e),
  };
}

export function failedRow(f: FailedRecord): FailedRow {
  return {
    received_at: f.receivedAt,
    write_key_name: f.writeKeyName,
    category: f.category,
    reason: f.reason,
    issues: JSON.stringify(f.issues),
    event: f.eventTruncated ?? JSON.stringify(f.event ?? null),
  };
}

export const EVENT_COLUMNS = ['message_id', 'type', 'event', 'anonymous_id', 'user_id', 'timestamp', 'received_at', 'properties', 'traits', 'context', 'raw'] as const;
export const FAILED_COLUMNS = ['received_at', 'write_key_name', 'category', 'reason', 'issues', 'event'] as const;
