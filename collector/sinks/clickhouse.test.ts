import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouseSink } from './clickhouse';
import { startClickHouse, type ClickHouseServer } from './clickhouse-server.test-support';
import { poisonedBatch, pumpThrough } from './refusals.test-support';
import { eventsBatch, failedBatch, sampleEvents, sampleFailed } from './sample-events';

/** The first release's DDL (schema 1), kept as it was. */
const FIRST_RELEASE = (
  t: string,
) => `CREATE TABLE ${t} (message_id String, type String, event Nullable(String), anonymous_id Nullable(String), user_id Nullable(String),
  timestamp DateTime, timestamp_ms UInt16, received_at DateTime, received_at_ms UInt16, properties Nullable(String), traits Nullable(String), context String, raw String
  ) ENGINE = ReplacingMergeTree(received_at) PARTITION BY toYYYYMM(timestamp) ORDER BY message_id`;
const LOCK = 'touchpoint_schema_versions_lock';

// Debian's ClickHouse 18.16, started here on its own ports and folder.
let server: ClickHouseServer;
let url: string;
const query = (sql: string) => server.query(sql);
beforeAll(async () => {
  server = await startClickHouse();
  url = server.url;
}, 40_000);
afterAll(() => server?.stop());

describe('ClickHouse sink', () => {
  it('creates a ReplacingMergeTree keyed by source and message_id, and re-delivered events collapse', async () => {
    const sink = createClickHouseSink({ url, database: 'default', table: 'tp_events', shape: 'events' });
    const events = sampleEvents('c', 3);
    await sink.write(eventsBatch(events));
    await sink.write(eventsBatch(events.slice(0, 2))); // re-delivered after a crash
    expect(await query("SELECT engine FROM system.tables WHERE name = 'tp_events'")).toBe('ReplacingMergeTree\n');
    expect(await query('SELECT count() FROM tp_events FINAL')).toBe('3\n');
    await sink.write(eventsBatch([{ ...events[0]!, source: 'app' }])); // another source, the same id
    expect(await query('SELECT source, count() FROM tp_events FINAL GROUP BY source ORDER BY source')).toBe('app\t1\nshop-web\t3\n');
    expect(
      await query(
        "SELECT message_id, event, toString(timestamp), timestamp_ms, visitParamExtractString(properties, 'note') FROM tp_events FINAL WHERE message_id = 'c-0' AND source = 'shop-web'",
      ),
    ).toBe('c-0\tOrder Completed\t2026-11-24 10:00:00\t123\t订单\n');
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
    await sink.write(
      eventsBatch([
        step('f1', 'a', 'Product Viewed', 1),
        step('f2', 'a', 'Product Added', 2),
        step('f3', 'a', 'Order Completed', 3),
        step('f4', 'b', 'Product Viewed', 1),
        step('f5', 'b', 'Product Added', 2),
        step('f6', 'c', 'Product Viewed', 1),
      ]),
    );
    const funnel = await query(`
      SELECT level, count() FROM (
        SELECT anonymous_id, windowFunnel(3600)(timestamp, event = 'Product Viewed', event = 'Product Added', event = 'Order Completed') AS level
        FROM tp_funnel FINAL GROUP BY anonymous_id
      ) GROUP BY level ORDER BY level`);
    expect(funnel).toBe('1\t1\n2\t1\n3\t1\n');
  });

  it('writes failed records to their own table, and fails writes when the server is gone', async () => {
    const failed = createClickHouseSink({ url, database: 'default', table: 'tp_events_failed', shape: 'failed' });
    await failed.write(failedBatch(sampleFailed('c')));
    expect(await query('SELECT category, write_key_name FROM tp_events_failed')).toBe('schema\tkey-c\n');
    const gone = createClickHouseSink({ url: 'http://127.0.0.1:1', database: 'default', table: 'x', shape: 'events' });
    await expect(gone.write(eventsBatch(sampleEvents('g', 1)))).rejects.toThrow();
  });

  it('never lets one event block the table: refused events go to the dead-letter stream with the reason, the rest land intact', async () => {
    const sink = createClickHouseSink({ url, database: 'default', table: 'tp_poison', shape: 'events' });
    const poisoned = poisonedBatch('cp');
    const later = sampleEvents('cp-later', 2);
    const { deadLetters, state } = await pumpThrough(sink, [poisoned, later]);
    expect(state).toBe('closed');
    const refused = new Map(deadLetters.map((d) => [d.event.messageId, d.reason]));
    expect(refused.get('cp-4')).toMatch(/lone UTF-16 surrogate/);
    expect(refused.get('cp-5')).toMatch(/outside ClickHouse's DateTime/); // it would wrap to another date
    const stored = (await query('SELECT message_id, event, properties FROM tp_poison FINAL FORMAT JSONEachRow'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const byId = new Map(stored.map((r) => [r.message_id, r]));
    for (const event of [...poisoned, ...later]) {
      const row = byId.get(event.messageId);
      expect(row === undefined, `${event.messageId} stored or set aside, not both, not neither`).toBe(refused.has(event.messageId));
      if (row) {
        expect(row.event).toBe((event as { event: string }).event);
        expect(JSON.parse(row.properties)).toEqual((event as { properties: object }).properties);
      }
    }
  });

  it('migrates a table made by the first schema: rows moved to a table keyed by source', async () => {
    await query(FIRST_RELEASE('tp_old'));
    await query(`INSERT INTO tp_old (message_id, type, timestamp, received_at, context, raw) VALUES ('old-1', 'track', now(), now(), '{}', '{}')`);
    const sink = createClickHouseSink({ url, database: 'default', table: 'tp_old', shape: 'events' });
    await sink.write(eventsBatch([{ ...sampleEvents('m', 1)[0]!, messageId: 'old-1' }]));
    expect(await query('SELECT source, message_id FROM tp_old FINAL ORDER BY source')).toBe('\told-1\nshop-web\told-1\n');
    expect(await query("SELECT count() FROM system.tables WHERE name = 'tp_old__v1'")).toBe('1\n');
  });

  it('applies each migration once when two collectors start together on an old table, under a lock table it drops after', async () => {
    await query(FIRST_RELEASE('tp_race'));
    await query(`INSERT INTO tp_race (message_id, type, timestamp, received_at, context, raw) VALUES ('old-1', 'track', now(), now(), '{}', '{}')`);
    const two = [0, 1].map(() => createClickHouseSink({ url, database: 'default', table: 'tp_race', shape: 'events' }));
    const opened = await Promise.all(two.map((sink) => sink.open!()));
    // One moved the rows to the new table; the other waited for the lock and found the table current.
    expect(opened.map((o) => o.migrated).sort()).toEqual([[], [2]]);
    expect(await query('SELECT source, message_id FROM tp_race')).toBe('\told-1\n'); // copied once, not twice
    expect(await query("SELECT max(version) FROM touchpoint_schema_versions WHERE table_name = 'default.tp_race'")).toBe('2\n');
    expect(await query(`SELECT count() FROM system.tables WHERE name = '${LOCK}'`)).toBe('0\n');
  });

  it('waits for a lock another collector holds, then migrates', async () => {
    await query(FIRST_RELEASE('tp_wait'));
    await query(`CREATE TABLE ${LOCK} (held UInt8) ENGINE = Memory`); // another collector, migrating
    const sink = createClickHouseSink({ url, database: 'default', table: 'tp_wait', shape: 'events' });
    let done = false;
    const opening = sink.open!().finally(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(done).toBe(false);
    expect(await query("SELECT count() FROM system.tables WHERE name = 'tp_wait__v1'")).toBe('0\n');
    await query(`DROP TABLE ${LOCK}`);
    expect(await opening).toEqual({ table: 'default.tp_wait', migrated: [2] });
  });

  it('a migration the database refuses fails with one line naming the table and version, and lets go of the lock', async () => {
    // Made by hand without the `raw` column that version 2 copies.
    await query(`CREATE TABLE tp_bad (message_id String, type String, event Nullable(String), anonymous_id Nullable(String), user_id Nullable(String),
      timestamp DateTime, timestamp_ms UInt16, received_at DateTime, received_at_ms UInt16, properties Nullable(String), traits Nullable(String), context String
      ) ENGINE = ReplacingMergeTree(received_at) PARTITION BY toYYYYMM(timestamp) ORDER BY message_id`);
    const sink = createClickHouseSink({ url, database: 'default', table: 'tp_bad', shape: 'events' });
    const error = await sink.open!().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'MigrationError', table: 'default.tp_bad', version: 2 });
    expect((error as Error).message).toMatch(
      /^table default\.tp_bad: migration to schema version 2 failed: ClickHouse answered 404: Code: 47, .*Unknown identifier: raw/,
    );
    expect((error as Error).message).not.toContain('\n');
    expect(await query(`SELECT count() FROM system.tables WHERE name = '${LOCK}'`)).toBe('0\n');
  });
});
