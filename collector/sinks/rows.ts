import type { FailedRecord, StoredEvent } from '../records';
import type { Batch } from '../records/sink';

/** What the table sinks (PostgreSQL, MySQL) take: where, and which of the two row shapes. */
export interface TableSinkOptions {
  url: string;
  table: string;
  /** `events` (the events and bots streams) or `failed` records. */
  shape: 'events' | 'failed';
}

/** The typed columns the warehouse sinks share; the whole event also goes in as JSON. */
export interface EventRow {
  /** The write key's name: events are keyed by source and message id. */
  source: string;
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

export function eventRow(e: StoredEvent): EventRow {
  const fields = e as StoredEvent & { event?: string; name?: string; properties?: object; traits?: object };
  return {
    source: e.source ?? '',
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

export const EVENT_COLUMNS = [
  'source',
  'message_id',
  'type',
  'event',
  'anonymous_id',
  'user_id',
  'timestamp',
  'received_at',
  'properties',
  'traits',
  'context',
  'raw',
] as const;
export const FAILED_COLUMNS = ['received_at', 'write_key_name', 'category', 'reason', 'issues', 'event'] as const;

/** A batch's rows, in the shape of its stream. */
export const rowsOf = (batch: Batch): (EventRow | FailedRow)[] => (batch.stream === 'failed' ? batch.records().map(failedRow) : batch.events().map(eventRow));

/** A row's values in the order of `columns`. */
export const valuesOf = (row: EventRow | FailedRow, columns: readonly string[]): unknown[] =>
  columns.map((c) => (row as unknown as Record<string, unknown>)[c]);

/** The typed text columns of a row, which a store holds as text (the JSON ones are escaped). */
export const TEXT_COLUMNS = ['source', 'message_id', 'type', 'event', 'anonymous_id', 'user_id', 'write_key_name', 'category', 'reason'] as const;

/**
 * Why a store could not hold this row's text as it is, if it could not: a lone surrogate (half
 * of a UTF-16 pair) has no UTF-8 form, and drivers would silently write U+FFFD in its place.
 */
export function unstorableText(row: EventRow | FailedRow): string | undefined {
  for (const column of TEXT_COLUMNS) {
    const value = (row as unknown as Record<string, unknown>)[column];
    if (typeof value === 'string' && !value.isWellFormed()) return `${column} holds a lone UTF-16 surrogate, which has no UTF-8 form`;
  }
  return undefined;
}
