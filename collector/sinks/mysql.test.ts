import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlSink } from './mysql';
import { sampleEvents, sampleFailed } from './sample-events';
import type { Sink } from './sink';

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
  await conn.query(`DROP TABLE IF EXISTS ${table}, ${table}_failed`);
  await conn.end();
});

describe('MySQL / MariaDB sink', () => {
  it('creates the table, writes typed columns and JSON, and ignores re-delivered events', async () => {
    const sink = await createMysqlSink({ url, table, shape: 'events' });
    sinks.push(sink);
    const events = sampleEvents(run);
    await sink.write(events);
    await sink.write([events[2]!, ...sampleEvents(`${run}-more`, 1)]);
    const [rows] = await conn.query(`SELECT message_id, event, user_id, DATE_FORMAT(timestamp, '%Y-%m-%d %H:%i:%s.%f') AS ts, JSON_EXTRACT(properties, '$.note') AS note FROM ${table} ORDER BY message_id`);
    const list = rows as Record<string, unknown>[];
    expect(list).toHaveLength(4);
    expect(list[0]).toMatchObject({ message_id: `${run}-0`, event: 'Order Completed', user_id: 'u-1', ts: '2026-11-24 10:00:00.123000' });
    expect(String(list[0]!.note).replace(/"/g, '')).toBe('订单');
  });

  it('writes failed records to their own table', async () => {
    const sink = await createMysqlSink({ url, table: `${table}_failed`, shape: 'failed' });
    sinks.push(sink);
    await sink.write(sampleFailed(run));
    const [rows] = await conn.query(`SELECT write_key_name, category, reason FROM ${table}_failed`);
    expect(rows).toEqual([{ write_key_name: `key-${run}`, category: 'schema', reason: 'event: Invalid input' }]);
  });
});
