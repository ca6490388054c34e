import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { createPostgresSink } from './postgres';
import { poisonedBatch, pumpThrough } from './refusals.test-support';
import { eventsBatch, failedBatch, sampleEvents, sampleFailed } from './sample-events';
import type { Sink } from '../records/sink';
import { createCollector } from '../app';

/** The first release's DDL (schema 1), kept as it was. */
const FIRST_RELEASE = (t: string) => `CREATE TABLE ${t} (message_id text PRIMARY KEY, type text NOT NULL, event text, anonymous_id text, user_id text,
  timestamp timestamptz NOT NULL, received_at timestamptz NOT NULL, properties jsonb, traits jsonb, context jsonb NOT NULL, raw jsonb NOT NULL)`;
/** What the previous release left (schema 2): the first DDL, its migration to 2, and the recorded version. */
const PREVIOUS_RELEASE = (t: string) => [
  FIRST_RELEASE(t),
  `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS source text NOT NULL DEFAULT ''`,
  `ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${t}_pkey`,
  `ALTER TABLE ${t} ADD PRIMARY KEY (source, message_id)`,
  `CREATE TABLE IF NOT EXISTS touchpoint_schema_versions (table_name text PRIMARY KEY, version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  `INSERT INTO touchpoint_schema_versions (table_name, version) VALUES ('${t}', 2)`,
];

// The real PostgreSQL on 127.0.0.1:5432, database `test`.
const url = 'postgres://postgres@127.0.0.1:5432/test';
const run = `r${process.pid}_${Date.now()}`;
const table = `tp_${run}`;
const client = new pg.Client({ connectionString: url });
const sinks: Sink[] = [];
beforeAll(() => client.connect());
afterAll(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  await client.query(`DROP TABLE IF EXISTS ${table}, ${table}_failed, ${table}_poison, ${table}_old, ${table}_keys, ${table}_v2, ${table}_race, ${table}_bad`);
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
    const { rows } = await client.query(
      `SELECT message_id, type, event, anonymous_id, user_id, timestamp, properties, context->'channel'->>'group' AS channel FROM ${table} ORDER BY message_id`,
    );
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
    expect(rows).toEqual([
      {
        write_key_name: `key-${run}`,
        category: 'schema',
        issues: [{ path: ['event'], message: 'Invalid input' }],
        event: `{"type":"track","messageId":"${run}-bad"}`,
      },
    ]);
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
    expect(rows.find((r) => r.message_id === `${run}-p-6`)).toEqual({
      message_id: `${run}-p-6`,
      event: 'Order Completed',
      properties: (poisoned[6] as { properties?: object }).properties,
    });
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
    await client.query(FIRST_RELEASE(`${table}_old`));
    await client.query(`INSERT INTO ${table}_old VALUES ('old-1', 'track', 'Signed Up', 'a', NULL, now(), now(), NULL, NULL, '{}', '{}')`);
    const sink = await createPostgresSink({ url, table: `${table}_old`, shape: 'events' });
    sinks.push(sink);
    const [event] = sampleEvents(`${run}-m`, 1);
    await sink.write(eventsBatch([{ ...event!, messageId: 'old-1' }]));
    const { rows } = await client.query(`SELECT source, message_id FROM ${table}_old ORDER BY source`);
    expect(rows).toEqual([
      { source: '', message_id: 'old-1' },
      { source: 'shop-web', message_id: 'old-1' },
    ]);
    const { rows: versions } = await client.query(`SELECT version FROM touchpoint_schema_versions WHERE table_name = $1`, [`${table}_old`]);
    expect(versions).toEqual([{ version: 3 }]);
  });

  it('upgrades a table made by the previous release (schema 2): old rows kept and readable, indexes added, version recorded', async () => {
    const t = `${table}_v2`;
    for (const statement of PREVIOUS_RELEASE(t)) await client.query(statement);
    await client.query(`INSERT INTO ${t} (source, message_id, type, event, anonymous_id, user_id, timestamp, received_at, properties, context, raw)
      VALUES ('shop-web', 'kept-1', 'track', 'Order Completed', 'anon-k', 'u-k', '2026-01-02T03:04:05.678Z', now(), '{"revenue": 9.9}', '{}', '{}')`);
    const sink = await createPostgresSink({ url, table: t, shape: 'events' });
    sinks.push(sink);
    expect(await sink.open!()).toEqual({ table: t, migrated: [3] });
    expect(await sink.open!()).toEqual({ table: t, migrated: [3] }); // once per sink: the same answer, nothing run again
    const { rows: indexes } = await client.query('SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname', [t]);
    expect(indexes.map((r) => r.indexname)).toEqual([`${t}_anonymous_id_idx`, `${t}_event_timestamp_idx`, `${t}_pkey`, `${t}_user_id_idx`]);
    const [event] = sampleEvents(`${run}-v2`, 1);
    await sink.write(eventsBatch([event!, { ...event!, messageId: 'kept-1' }])); // the second is a re-delivery of the kept row's key
    const { rows } = await client.query(`SELECT message_id, event, user_id, timestamp, properties FROM ${t} ORDER BY message_id`);
    expect(rows).toEqual([
      { message_id: 'kept-1', event: 'Order Completed', user_id: 'u-k', timestamp: new Date('2026-01-02T03:04:05.678Z'), properties: { revenue: 9.9 } },
      {
        message_id: `${run}-v2-0`,
        event: 'Order Completed',
        user_id: 'u-1',
        timestamp: new Date(event!.timestamp),
        properties: (event as { properties?: object }).properties,
      },
    ]);
    const { rows: versions } = await client.query('SELECT version FROM touchpoint_schema_versions WHERE table_name = $1', [t]);
    expect(versions).toEqual([{ version: 3 }]);
    const again = await createPostgresSink({ url, table: t, shape: 'events' });
    sinks.push(again);
    expect(await again.open!()).toEqual({ table: t, migrated: [] }); // the next start finds it current
  });

  it('applies each migration once when two collectors start together on an old table', async () => {
    const t = `${table}_race`;
    await client.query(FIRST_RELEASE(t));
    await client.query(`INSERT INTO ${t} VALUES ('old-1', 'track', 'Signed Up', 'a', NULL, now(), now(), NULL, NULL, '{}', '{}')`);
    const two = [await createPostgresSink({ url, table: t, shape: 'events' }), await createPostgresSink({ url, table: t, shape: 'events' })];
    sinks.push(...two);
    const opened = await Promise.all(two.map((sink) => sink.open!()));
    // One applied 2 and 3; the other waited for the lock and found the table current.
    expect(opened.map((o) => o.migrated).sort()).toEqual([[], [2, 3]]);
    const { rows } = await client.query(`SELECT source, message_id FROM ${t}`);
    expect(rows).toEqual([{ source: '', message_id: 'old-1' }]);
  });

  it('a migration the database refuses rolls back whole and stops the start with one line naming the table and version', async () => {
    const t = `${table}_bad`;
    // Recorded at 2 but without the `event` column that version 3 indexes.
    await client.query(
      `CREATE TABLE ${t} (source text NOT NULL DEFAULT '', message_id text NOT NULL, user_id text, anonymous_id text, timestamp timestamptz, PRIMARY KEY (source, message_id))`,
    );
    await client.query(
      `CREATE TABLE IF NOT EXISTS touchpoint_schema_versions (table_name text PRIMARY KEY, version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    await client.query('INSERT INTO touchpoint_schema_versions (table_name, version) VALUES ($1, 2)', [t]);
    const sink = await createPostgresSink({ url, table: t, shape: 'events' });
    sinks.push(sink);
    await expect(sink.open!()).rejects.toMatchObject({
      name: 'MigrationError',
      table: t,
      version: 3,
      message: `table ${t}: migration to schema version 3 failed: column "event" does not exist`,
    });
    // DDL is transactional: the two indexes made before the failing one are gone, the version stays.
    const { rows: indexes } = await client.query('SELECT indexname FROM pg_indexes WHERE tablename = $1', [t]);
    expect(indexes).toEqual([{ indexname: `${t}_pkey` }]);
    const { rows: versions } = await client.query('SELECT version FROM touchpoint_schema_versions WHERE table_name = $1', [t]);
    expect(versions).toEqual([{ version: 2 }]);
    const dataDir = await mkdtemp(join(tmpdir(), 'tp-pg-migrate-'));
    try {
      const starting = createCollector({ dataDir, logLevel: 'silent', sinks: [{ type: 'postgres', url, table: t, streams: ['events'] }] });
      await expect(starting).rejects.toMatchObject({
        name: 'StartupError',
        message: `sinks: postgres.events: table ${t}: migration to schema version 3 failed: column "event" does not exist`,
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('a collector starts when the database is down, and readies the table on its first write', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tp-pg-migrate-'));
    try {
      const lines: string[] = [];
      const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
      const collector = await createCollector({
        dataDir,
        logger,
        sinks: [{ type: 'postgres', url: 'postgres://postgres@127.0.0.1:1/test', table, streams: ['events'] }],
      });
      await collector.stop();
      expect(lines.map((line) => JSON.parse(line))).toContainEqual(
        expect.objectContaining({
          sink: 'postgres.events',
          reason: 'connection refused',
          msg: 'sink not ready at start: its table is created or migrated on its first write',
        }),
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('fails the write, for the pump to retry, when the server cannot be reached', async () => {
    const sink = await createPostgresSink({ url: 'postgres://postgres@127.0.0.1:1/test', table, shape: 'events' });
    sinks.push(sink);
    await expect(sink.write(eventsBatch(sampleEvents(`${run}-x`, 1)))).rejects.toThrow();
    expect(await sink.ready!()).toBe(false);
  });
});
