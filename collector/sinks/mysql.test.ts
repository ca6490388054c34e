import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlSink } from './mysql';
import { poisonedBatch, pumpThrough } from './refusals.test-support';
import { eventsBatch, failedBatch, sampleEvents, sampleFailed } from './sample-events';
import type { Sink } from '../records/sink';
import { createCollector } from '../app';

/** The first release's DDL (schema 1), kept as it was. */
const FIRST_RELEASE = (
  t: string,
) => `CREATE TABLE ${t} (message_id VARCHAR(256) NOT NULL PRIMARY KEY, type VARCHAR(16) NOT NULL, event VARCHAR(256), anonymous_id VARCHAR(256),
  user_id VARCHAR(256), timestamp DATETIME(3) NOT NULL, received_at DATETIME(3) NOT NULL, properties JSON, traits JSON, context JSON NOT NULL, raw JSON NOT NULL) CHARACTER SET utf8mb4`;
/** What the previous release left (schema 2): the first DDL, its migration to 2, and the recorded version. */
const PREVIOUS_RELEASE = (t: string) => [
  FIRST_RELEASE(t),
  `ALTER TABLE ${t} ADD COLUMN source VARCHAR(100) NOT NULL DEFAULT '' FIRST, DROP PRIMARY KEY, ADD PRIMARY KEY (source, message_id)`,
  `CREATE TABLE IF NOT EXISTS touchpoint_schema_versions (table_name VARCHAR(128) NOT NULL PRIMARY KEY, version INT NOT NULL, applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))`,
  `INSERT INTO touchpoint_schema_versions (table_name, version) VALUES ('${t}', 2)`,
];

// The real MariaDB on 127.0.0.1:3306, database `test`.
const url = 'mysql://root@127.0.0.1:3306/test';
const run = `r${process.pid}_${Date.now()}`;
const table = `tp_${run}`;
let conn: mysql.Connection;
const sinks: Sink[] = [];
beforeAll(async () => {
  conn = await mysql.createConnection({ uri: url });
});
afterAll(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  await conn.query(`DROP TABLE IF EXISTS ${table}, ${table}_failed, ${table}_poison, ${table}_old, ${table}_v2, ${table}_race, ${table}_bad`);
  await conn.query(`DELETE FROM touchpoint_schema_versions WHERE table_name LIKE '${table}%'`).catch(() => {});
  await conn.end();
});

describe('MySQL / MariaDB sink', () => {
  it('creates the table, writes typed columns and JSON, and ignores re-delivered events', async () => {
    const sink = await createMysqlSink({ url, table, shape: 'events' });
    sinks.push(sink);
    const events = sampleEvents(run);
    await sink.write(eventsBatch(events));
    await sink.write(eventsBatch([events[2]!, ...sampleEvents(`${run}-more`, 1)]));
    const [rows] = await conn.query(
      `SELECT message_id, event, user_id, DATE_FORMAT(timestamp, '%Y-%m-%d %H:%i:%s.%f') AS ts, JSON_EXTRACT(properties, '$.note') AS note FROM ${table} ORDER BY message_id`,
    );
    const list = rows as Record<string, unknown>[];
    expect(list).toHaveLength(4);
    expect(list[0]).toMatchObject({ message_id: `${run}-0`, event: 'Order Completed', user_id: 'u-1', ts: '2026-11-24 10:00:00.123000' });
    expect(String(list[0]!.note).replace(/"/g, '')).toBe('订单');
  });

  it('writes failed records to their own table', async () => {
    const sink = await createMysqlSink({ url, table: `${table}_failed`, shape: 'failed' });
    sinks.push(sink);
    await sink.write(failedBatch(sampleFailed(run)));
    const [rows] = await conn.query(`SELECT write_key_name, category, reason FROM ${table}_failed`);
    expect(rows).toEqual([{ write_key_name: `key-${run}`, category: 'schema', reason: 'event: Invalid input' }]);
  });

  it('never lets one event block the table, and never stores one mangled: each lands intact or is set aside with the reason', async () => {
    const sink = await createMysqlSink({ url, table: `${table}_poison`, shape: 'events' });
    sinks.push(sink);
    const poisoned = poisonedBatch(`${run}-p`);
    const later = sampleEvents(`${run}-later`, 2);
    const { deadLetters, state } = await pumpThrough(sink, [poisoned, later]);
    expect(state).toBe('closed');
    const refused = new Map(deadLetters.map((d) => [d.event.messageId, d.reason]));
    expect(refused.get(`${run}-p-4`)).toMatch(/lone UTF-16 surrogate/); // INSERT IGNORE wrote U+FFFD for it
    const [rows] = await conn.query(
      `SELECT message_id, event, anonymous_id, DATE_FORMAT(timestamp, '%Y-%m-%d %H:%i:%s.%f') AS ts, properties FROM ${table}_poison`,
    );
    const stored = new Map((rows as Record<string, any>[]).map((r) => [r.message_id, r]));
    for (const event of [...poisoned, ...later]) {
      const row = stored.get(event.messageId);
      expect(row === undefined, `${event.messageId} stored or set aside, not both, not neither`).toBe(refused.has(event.messageId));
      if (!row) continue;
      expect(row.event).toBe((event as { event: string }).event);
      expect(row.anonymous_id).toBe(event.anonymousId);
      expect(row.ts).toBe(new Date(event.timestamp).toISOString().replace('T', ' ').replace('Z', '000'));
      expect(typeof row.properties === 'string' ? JSON.parse(row.properties) : row.properties).toEqual((event as { properties: object }).properties);
    }
  });

  it('migrates a table made by the first schema: rows kept, keyed by source from then on', async () => {
    await conn.query(FIRST_RELEASE(`${table}_old`));
    await conn.query(`INSERT INTO ${table}_old (message_id, type, timestamp, received_at, context, raw) VALUES ('old-1', 'track', NOW(3), NOW(3), '{}', '{}')`);
    const sink = await createMysqlSink({ url, table: `${table}_old`, shape: 'events' });
    sinks.push(sink);
    const [event] = sampleEvents(`${run}-m`, 1);
    await sink.write(eventsBatch([{ ...event!, messageId: 'old-1' }]));
    const [rows] = await conn.query(`SELECT source, message_id FROM ${table}_old ORDER BY source`);
    expect(rows).toEqual([
      { source: '', message_id: 'old-1' },
      { source: 'shop-web', message_id: 'old-1' },
    ]);
  });

  const indexesOf = async (t: string) => {
    const [rows] = await conn.query(
      'SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
      [t],
    );
    return (rows as { name: string }[]).map((r) => r.name).sort();
  };
  const versionOf = async (t: string) => {
    const [rows] = await conn.query('SELECT version FROM touchpoint_schema_versions WHERE table_name = ?', [t]);
    return (rows as { version: number }[]).map((r) => r.version);
  };

  it('upgrades a table made by the previous release (schema 2): old rows kept and readable, indexes added, version recorded', async () => {
    const t = `${table}_v2`;
    for (const statement of PREVIOUS_RELEASE(t)) await conn.query(statement);
    await conn.query(`INSERT INTO ${t} (source, message_id, type, event, anonymous_id, user_id, timestamp, received_at, properties, context, raw)
      VALUES ('shop-web', 'kept-1', 'track', 'Order Completed', 'anon-k', 'u-k', '2026-01-02 03:04:05.678', NOW(3), '{"revenue": 9.9}', '{}', '{}')`);
    const sink = await createMysqlSink({ url, table: t, shape: 'events' });
    sinks.push(sink);
    expect(await sink.open!()).toEqual({ table: t, migrated: [3] });
    expect(await indexesOf(t)).toEqual(['PRIMARY', 'anonymous_id_idx', 'event_timestamp_idx', 'user_id_idx']);
    const [event] = sampleEvents(`${run}-v2`, 1);
    await sink.write(eventsBatch([event!, { ...event!, messageId: 'kept-1' }])); // the second is a re-delivery of the kept row's key
    const [rows] = await conn.query(
      `SELECT message_id, event, user_id, DATE_FORMAT(timestamp, '%Y-%m-%d %H:%i:%s.%f') AS ts, JSON_EXTRACT(properties, '$.revenue') AS revenue FROM ${t} ORDER BY message_id`,
    );
    expect(rows).toEqual([
      { message_id: 'kept-1', event: 'Order Completed', user_id: 'u-k', ts: '2026-01-02 03:04:05.678000', revenue: 9.9 },
      { message_id: `${run}-v2-0`, event: 'Order Completed', user_id: 'u-1', ts: '2026-11-24 10:00:00.123000', revenue: 9.9 },
    ]);
    expect(await versionOf(t)).toEqual([3]);
    const again = await createMysqlSink({ url, table: t, shape: 'events' });
    sinks.push(again);
    expect(await again.open!()).toEqual({ table: t, migrated: [] }); // the next start finds it current
  });

  it('applies each migration once when two collectors start together on an old table', async () => {
    const t = `${table}_race`;
    await conn.query(FIRST_RELEASE(t));
    await conn.query(`INSERT INTO ${t} (message_id, type, timestamp, received_at, context, raw) VALUES ('old-1', 'track', NOW(3), NOW(3), '{}', '{}')`);
    const two = [await createMysqlSink({ url, table: t, shape: 'events' }), await createMysqlSink({ url, table: t, shape: 'events' })];
    sinks.push(...two);
    const opened = await Promise.all(two.map((sink) => sink.open!()));
    // One applied 2 and 3; the other waited for the lock and found the table current.
    expect(opened.map((o) => o.migrated).sort()).toEqual([[], [2, 3]]);
    const [rows] = await conn.query(`SELECT source, message_id FROM ${t}`);
    expect(rows).toEqual([{ source: '', message_id: 'old-1' }]);
    expect(await versionOf(t)).toEqual([3]);
  });

  it('a migration the database refuses leaves the table as it was and stops the start with one line naming the table and version', async () => {
    const t = `${table}_bad`;
    // Recorded at 2 but without the `event` column that version 3 indexes.
    await conn.query(
      `CREATE TABLE ${t} (source VARCHAR(100) NOT NULL DEFAULT '', message_id VARCHAR(256) NOT NULL, user_id VARCHAR(256), anonymous_id VARCHAR(256), timestamp DATETIME(3), PRIMARY KEY (source, message_id))`,
    );
    await conn.query(
      `CREATE TABLE IF NOT EXISTS touchpoint_schema_versions (table_name VARCHAR(128) NOT NULL PRIMARY KEY, version INT NOT NULL, applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))`,
    );
    await conn.query('INSERT INTO touchpoint_schema_versions (table_name, version) VALUES (?, 2)', [t]);
    const sink = await createMysqlSink({ url, table: t, shape: 'events' });
    sinks.push(sink);
    const reason = "Key column 'event' doesn't exist in table";
    await expect(sink.open!()).rejects.toMatchObject({
      name: 'MigrationError',
      table: t,
      version: 3,
      message: `table ${t}: migration to schema version 3 failed: ${reason}`,
    });
    expect(await indexesOf(t)).toEqual(['PRIMARY']); // one ALTER: none of the three indexes
    expect(await versionOf(t)).toEqual([2]);
    const dataDir = await mkdtemp(join(tmpdir(), 'tp-mysql-migrate-'));
    try {
      const starting = createCollector({ dataDir, logLevel: 'silent', sinks: [{ type: 'mysql', url, table: t, streams: ['events'] }] });
      await expect(starting).rejects.toMatchObject({
        name: 'StartupError',
        message: `sinks: mysql.events: table ${t}: migration to schema version 3 failed: ${reason}`,
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
