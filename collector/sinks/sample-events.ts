import { ndjson, type FailedRecord, type StoredEvent } from '../records';
import { batchOf, type EventsBatch, type FailedBatch } from '../records/sink';

/** Enriched events and failed records as the pipeline makes them, for the sink tests. */
export function sampleEvents(run: string, count = 3): StoredEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    type: 'track',
    event: 'Order Completed',
    source: 'shop-web',
    messageId: `${run}-${i}`,
    anonymousId: `anon-${i % 2}`,
    userId: i === 0 ? 'u-1' : undefined,
    properties: { order_id: `o-${i}`, revenue: 9.9 + i, currency: 'CNY', note: '订单' },
    timestamp: `2026-11-24T10:00:0${i}.123Z`,
    originalTimestamp: `2026-11-24T10:00:0${i}.123Z`,
    receivedAt: '2026-11-24T10:00:05.456Z',
    context: { library: { name: 'touchpoint', version: '0.1.0' }, ip: '203.0.113.0', channel: { group: 'Direct', source: '(direct)', medium: '(none)' } },
  })) as StoredEvent[];
}

export function sampleFailed(run: string): FailedRecord[] {
  return [
    {
      reason: 'event: Invalid input',
      category: 'schema',
      issues: [{ path: ['event'], message: 'Invalid input' }],
      receivedAt: '2026-11-24T10:00:05.456Z',
      writeKeyName: `key-${run}`,
      event: { type: 'track', messageId: `${run}-bad` },
    },
  ];
}

/** Events as the log hands them to a sink. */
export const eventsBatch = (events: readonly StoredEvent[]) => batchOf('events', Buffer.from(ndjson(events))) as EventsBatch;
/** Failed records as the log hands them to a sink. */
export const failedBatch = (records: readonly FailedRecord[]) => batchOf('failed', Buffer.from(ndjson(records))) as FailedBatch;
