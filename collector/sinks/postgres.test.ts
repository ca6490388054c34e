import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createPostgresSink } from './postgres';
import { sampleEvents, sampleFailed } from './sample-events';
import type { Sink } from './sink';

// The real PostgreSQL on 127.0.0.1:5432, database `test`.
const url = 'postgres://postgres@127.0.0.1:5432/test';
const run = `r${process.pid}_${Date.now()}`;
const table = `tp_${run}`;
const client = new pg.Client({ connectionString: url });
const sinks: Sink[] = [];
beforeAll(() => client.connect());
afterAll(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  await client.query(`DROP TABLE IF EXISTS ${table}, ${table}_failed`);
  await client.end();
});

describe('PostgreSQL sink', () => {
  it('creates the table, writes typed columns and JSONB, and ignores re-delivered events', async () => {
    const sink = await createPostgresSink({ url, table, shape: 'events' });
    sinks.push(sink);
    const events = sampleEvents(run);
    await sink.write(events);
    await sink.write([events[1]!, ...sampleEvents(`${run}-more`, 1)]); // a re-delivery and one new
    const { rows } = await client.query(`SELECT message_id, type, event, anonymous_id, user_id, timestamp, properties, context->'channel'->>'group' AS channel FROM ${table} ORDER BY message_id`);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toEqual({
      message_id: `${run}-0`,
      type: 'track',
      event: 'Order Completed',
      anonymous_id: 'anon-0',
      user_id: 'u-1',
      timestamp: new Date('2026-11-24T10:00:00.123Z'),
      properties: { order_id: 'o-0', revenue: 9.9, currency: 'CNY', note: '订单' },
      channel: 'Direct',
    });
    expect(await sink.ready!()).toBe(true);
  });

  it('writes failed records to their own table', async () => {
    const sink = await createPostgresSink({ url, table: `${table}_failed`, shape: 'failed' });
    sinks.push(sink);
    await sink.write(sampleFailed(run));
    const { rows } = await client.query(`SELECT write_key_name, category, issues, event FROM ${table}_failed`);
    expect(rows).toEqual([{ write_key_name: `key-${run}`, category: 'schema', issues: [{ path: ['event'], message: 'Invalid input' }], event: `{"type":"track","messageId":"${run}-bad"}` }]);
  });

  it('fails the write, for the pump to retry, when the server cannot be reached', async () => {
    const sink = await createPostgresSink({ url: 'postgres://postgres@127.0.0.1:1/test', table, shape: 'events' });
    sinks.push(sink);
    await expect(sink.write(sampleEvents(`${run}-x`, 1))).rejects.toThrow();
    expect(await sink.ready!()).toBe(false);
  });
});
