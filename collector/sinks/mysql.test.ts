import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlSink } from './mysql';
import { poisonedBatch, pumpThrough } from './refusals.test-support';
import { eventsBatch, failedBatch, sampleEvents, sampleFailed } from './sample-events';
import type { Sink } from '../records/sink';

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
  await conn.query(`DROP TABLE IF EXISTS ${table}, ${table}_failed, ${table}_poison, ${table}_old`);
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
    const [rows] = await conn.query(`SELECT message_id, event, user_id, DATE_FORMAT(timestamp, '%Y-%m-%d %H:%i:%s.%f') AS ts, JSON_EXTRACT(properties, '$.note') AS note FROM ${table} ORDER BY message_id`);
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
    const [rows] = await conn.query(`SELECT message_id, event, anonymous_id, DATE_FORMAT(timestamp, '%Y-%m-%d %H:%i:%s.%f') AS ts, properties FROM ${table}_poison`);
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
    await conn.query(`CREATE TABLE ${table}_old (message_id VARCHAR(256) NOT NULL PRIMARY KEY, type VARCHAR(16) NOT NULL, event VARCHAR(256), anonymous_id VARCHAR(256),
      user_id VARCHAR(256), timestamp DATETIME(3) NOT NULL, received_at DATETIME(3) NOT NULL, properties JSON, traits JSON, context JSON NOT NULL, raw JSON NOT NULL) CHARACTER SET utf8mb4`);
    await conn.query(`INSERT INTO ${table}_old (message_id, type, timestamp, received_at, context, raw) VALUES ('old-1', 'track', NOW(3), NOW(3), '{}', '{}')`);
    const sink = await createMysqlSink({ url, table: `${table}_old`, shape: 'events' });
    sinks.push(sink);
    const [event] = sampleEvents(`${run}-m`, 1);
    await sink.write(eventsBatch([{ ...event!, messageId: 'old-1' }]));
    const [rows] = await conn.query(`SELECT source, message_id FROM ${table}_old ORDER BY source`);
    expect(rows).toEqual([{ source: '', message_id: 'old-1' }, { source: 'shop-web', message_id: 'old-1' }]);
  });
});
