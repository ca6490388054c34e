import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouseSink } from './clickhouse';
import { startClickHouse, type ClickHouseServer } from './clickhouse-server';
import { sampleEvents, sampleFailed } from './sample-events';

let server: ClickHouseServer;
let url: string;
const query = (sql: string) => server.query(sql);

beforeAll(async () => {
  server = await startClickHouse({ httpPort: 18_123, tcpPort: 19_000 });
  url = server.url;
}, 40_000);

afterAll(() => server?.stop());

describe('ClickHouse sink', () => {
  it('creates a ReplacingMergeTree keyed by message_id, and re-delivered events collapse', async () => {
    const sink = createClickHouseSink({ url, database: 'default', table: 'tp_events', shape: 'events' });
    const events = sampleEvents('c', 3);
    await sink.write(events);
    await sink.write(events.slice(0, 2)); // re-delivered after a crash
    expect(await query("SELECT engine FROM system.tables WHERE name = 'tp_events'")).toBe('ReplacingMergeTree\n');
    expect(await query('SELECT count() FROM tp_events FINAL')).toBe('3\n');
    expect(await query("SELECT message_id, event, toString(timestamp), timestamp_ms, visitParamExtractString(properties, 'note') FROM tp_events FINAL WHERE message_id = 'c-0'"))
      .toBe('c-0\tOrder Completed\t2026-11-24 10:00:00\t123\t订单\n');
    expect(await sink.ready!()).toBe(true);
  });

  it('answers funnel questions with windowFunnel over what it wrote', async () => {
    const sink = createClickHouseSink({ url, database: 'default', table: 'tp_funnel', shape: 'events' });
    const step = (id: string, anon: string, event: string, second: number) => ({
      ...sampleEvents(id, 1)[0]!,
      anonymousId: anon,
      event,
      timestamp: `2026-11-24T10:00:${String(second).padStart(2, '0')}.000Z`,
    });
    await sink.write([
      step('f1', 'a', 'Product Viewed', 1), step('f2', 'a', 'Product Added', 2), step('f3', 'a', 'Order Completed', 3),
      step('f4', 'b', 'Product Viewed', 1), step('f5', 'b', 'Product Added', 2),
      step('f6', 'c', 'Product Viewed', 1),
    ]);
    const funnel = await query(`
      SELECT level, count() FROM (
        SELECT anonymous_id, windowFunnel(3600)(timestamp, event = 'Product Viewed', event = 'Product Added', event = 'Order Completed') AS level
        FROM tp_funnel FINAL GROUP BY anonymous_id
      ) GROUP BY level ORDER BY level`);
    expect(funnel).toBe('1\t1\n2\t1\n3\t1\n');
  });

  it('writes failed records to their own table, and fails writes when the server is gone', async () => {
    const failed = createClickHouseSink({ url, database: 'default', table: 'tp_events_failed', shape: 'failed' });
    await failed.write(sampleFailed('c'));
    expect(await query('SELECT category, write_key_name FROM tp_events_failed')).toBe('schema\tkey-c\n');
    const gone = createClickHouseSink({ url: 'http://127.0.0.1:1', database: 'default', table: 'x', shape: 'events' });
    await expect(gone.write(sampleEvents('g', 1))).rejects.toThrow();
  });
});
