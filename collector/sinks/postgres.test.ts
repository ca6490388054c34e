import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createPostgresSink } from './postgres';
import { poisonedBatch, pumpThrough } from './refusals.test-support';
import { eventsBatch, failedBatch, sampleEvents, sampleFailed } from './sample-events';
import type { Sink } from '../records/sink';

// The real PostgreSQL on 127.0.0.1:5432, database `test`.
const url = 'postgres://postgres@127.0.0.1:5432/test';
const run = `r${process.pid}_${Date.now()}`;
const table = `tp_${run}`;
const client = new pg.Client({ connectionString: url });
const sinks: Sink[] = [];
beforeAll(() => client.connect());
afterAll(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  await client.query(`DROP TABLE IF EXISTS ${table}, ${table}_failed, ${table}_poison, ${table}_old, ${table}_keys`);
  await client.query(`DELETE FROM touchpoint_schema_versions WHERE table_name LIKE '${table}%'`).catch(() => {});
  await client.end();
});

describe('PostgreSQL sink', () => {
  it('creates the table, writes typed columns and JSONB, and ignores re-delivered events', async () => {
    const sink = await createPostgresSink({ url, table, shape: 'events' });
    sinks.push(sink);
    const events = sampleEvents(run);
    await sink.write(eventsBatch(events));
    await sink.write(eventsBatch([events[1]!, ...sampleEvents(`${run}-more`, 1)])); // a re-delivery and one new
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
    await sink.write(failedBatch(sampleFailed(run)));
    const { rows } = await client.query(`SELECT write_key_name, category, issues, event FROM ${table}_failed`);
    expect(rows).toEqual([{ write_key_name: `key-${run}`, category: 'schema', issues: [{ path: ['event'], message: 'Invalid input' }], event: `{"type":"track","messageId":"${run}-bad"}` }]);
  });

  it('never lets one event block the table: refused events go to the dead-letter stream with the reason, the rest land intact', async () => {
    const sink = await createPostgresSink({ url, table: `${table}_poison`, shape: 'events' });
    sinks.push(sink);
    const poisoned = poisonedBatch(`${run}-p`);
    const later = sampleEvents(`${run}-later`, 2);
    const { deadLetters, state } = await pumpThrough(sink, [poisoned, later]);
    expect(state).toBe('closed');
    const refused = new Map(deadLetters.map((d) => [d.event.messageId, d.reason]));
    // PostgreSQL holds no NUL in text or JSONB, no lone surrogate, and no year 0.
    expect([...refused.keys()].sort()).toEqual([1, 2, 3, 4, 5].map((i) => `${run}-p-${i}`));
    expect(refused.get(`${run}-p-1`)).toMatch(/SQLSTATE 22P05/);
    expect(refused.get(`${run}-p-4`)).toMatch(/lone UTF-16 surrogate/);
    expect(refused.get(`${run}-p-5`)).toMatch(/SQLSTATE 22008/);
    const { rows } = await client.query(`SELECT message_id, event, properties FROM ${table}_poison ORDER BY message_id`);
    expect(rows.map((r) => r.message_id)).toEqual([`${run}-later-0`, `${run}-later-1`, `${run}-p-0`, `${run}-p-6`]);
    expect(rows.find((r) => r.message_id === `${run}-p-6`)).toEqual({ message_id: `${run}-p-6`, event: 'Order Completed', properties: (poisoned[6] as { properties?: object }).properties });
  });

  it('keys events by source and message id: two sources may use the same id', async () => {
    const sink = await createPostgresSink({ url, table: `${table}_keys`, shape: 'events' });
    sinks.push(sink);
    const [event] = sampleEvents(`${run}-k`, 1);
    await sink.write(eventsBatch([event!, { ...event!, source: 'app' }, { ...event!, source: 'app' }]));
    const { rows } = await client.query(`SELECT source FROM ${table}_keys ORDER BY source`);
    expect(rows).toEqual([{ source: 'app' }, { source: 'shop-web' }]);
  });

  it('migrates a table made by the first schema: rows kept, keyed by source from then on', async () => {
    await client.query(`CREATE TABLE ${table}_old (message_id text PRIMARY KEY, type text NOT NULL, event text, anonymous_id text, user_id text,
      timestamp timestamptz NOT NULL, received_at timestamptz NOT NULL, properties jsonb, traits jsonb, context jsonb NOT NULL, raw jsonb NOT NULL)`);
    await client.query(`INSERT INTO ${table}_old VALUES ('old-1', 'track', 'Signed Up', 'a', NULL, now(), now(), NULL, NULL, '{}', '{}')`);
    const sink = await createPostgresSink({ url, table: `${table}_old`, shape: 'events' });
    sinks.push(sink);
    const [event] = sampleEvents(`${run}-m`, 1);
    await sink.write(eventsBatch([{ ...event!, messageId: 'old-1' }]));
    const { rows } = await client.query(`SELECT source, message_id FROM ${table}_old ORDER BY source`);
    expect(rows).toEqual([{ source: '', message_id: 'old-1' }, { source: 'shop-web', message_id: 'old-1' }]);
    const { rows: versions } = await client.query(`SELECT version FROM touchpoint_schema_versions WHERE table_name = $1`, [`${table}_old`]);
    expect(versions).toEqual([{ version: 2 }]);
  });

  it('fails the write, for the pump to retry, when the server cannot be reached', async () => {
    const sink = await createPostgresSink({ url: 'postgres://postgres@127.0.0.1:1/test', table, shape: 'events' });
    sinks.push(sink);
    await expect(sink.write(eventsBatch(sampleEvents(`${run}-x`, 1)))).rejects.toThrow();
    expect(await sink.ready!()).toBe(false);
  });
});
