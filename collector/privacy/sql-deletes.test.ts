import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSettings } from '../config';
import type { StoredEvent } from '../records';
import { createMysqlSink } from '../sinks/mysql';
import { createPostgresSink } from '../sinks/postgres';
import { eventsBatch, failedBatch, sampleEvents, sampleFailed } from '../sinks/sample-events';
import { forget } from './forget';
import { personOf } from './person';
import { deleteStatements } from './sql-deletes';

// Ids an attacker could choose: quotes, a statement after them, backslashes, a comment.
const HOSTILE = `x'); DROP TABLE victims; -- \\' "`;
const run = `${process.pid}_${Date.now()}`;
let dataDir: string;
beforeAll(async () => void (dataDir = await mkdtemp(join(tmpdir(), 'tp-forget-sql-'))));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const events = (): StoredEvent[] => {
  const [hostile, keep, device] = sampleEvents(run, 3);
  return [
    { ...hostile!, userId: HOSTILE, anonymousId: 'dev-1' },
    { ...keep!, userId: 'u-keep', anonymousId: 'dev-2' },
    { ...device!, messageId: `${run}-mail`, userId: undefined, anonymousId: 'dev-3', traits: { email: 'Li@Example.com' } } as StoredEvent,
  ];
};
const failed = () => [{ ...sampleFailed(run)[0]!, event: { type: 'track', messageId: `${run}-bad`, userId: HOSTILE } }, sampleFailed(`${run}-other`)[0]!];

const DATABASES = [
  {
    type: 'postgres',
    url: 'postgres://postgres@127.0.0.1:5432/test',
    open: createPostgresSink,
    query: async (url: string, text: string) => {
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(text)).rows as { n?: unknown }[];
      } finally {
        await client.end();
      }
    },
  },
  {
    type: 'mysql',
    url: 'mysql://root@127.0.0.1:3306/test',
    open: createMysqlSink,
    query: async (url: string, text: string) => {
      const mysql = await import('mysql2/promise');
      const connection = await mysql.createConnection({ uri: url });
      try {
        return (await connection.query(text))[0] as { n?: unknown }[];
      } finally {
        await connection.end();
      }
    },
  },
] as const;

describe.each(DATABASES)('forget in the $type sink', ({ type, url, open, query }) => {
  const table = `tp_forget_${type}_${run}`;
  const count = async (_: string, t: string) => String((await query(url, `SELECT count(*) AS n FROM ${t}`))[0]!.n);
  afterAll(() => query(url, `DROP TABLE IF EXISTS ${table}, ${table}_failed`));
  const sinks = parseSettings({ sinks: [{ type, url, table, streams: ['events', 'failed'] }] }).sinks;

  it('deletes exactly the rows of a hostile id, by parameter, and prints it quoted', async () => {
    const eventsSink = await open({ url, table, shape: 'events' });
    const failedSink = await open({ url, table: `${table}_failed`, shape: 'failed' });
    try {
      await eventsSink.write(eventsBatch(events()));
      await failedSink.write(failedBatch(failed()));
    } finally {
      await eventsSink.close();
      await failedSink.close();
    }
    const report = await forget({ dataDir, request: { userId: HOSTILE }, sinks, apply: true });
    expect(report.sinks.map(({ table: t, rows, error }) => ({ t, rows, error }))).toEqual([
      { t: table, rows: 1, error: undefined },
      { t: `${table}_failed`, rows: 1, error: undefined },
    ]);
    expect(await count(url, table)).toBe('2');
    expect(await count(url, `${table}_failed`)).toBe('1');
    // The printed statement holds the id as one literal: the driver's escaping, not the text as given.
    expect(report.sinks[0]!.statement).not.toContain(`'${HOSTILE}'`);
    expect(report.sinks[0]!.statement).toMatch(
      type === 'postgres' ? /^DELETE FROM "tp_forget_\w+" WHERE user_id = ANY\(ARRAY\[/ : /^DELETE FROM `tp_forget_\w+` WHERE user_id IN \('/,
    );
  });

  it('deletes by e-mail at the JSON path, case and spaces aside', async () => {
    const report = await forget({ dataDir, request: { email: ' li@EXAMPLE.com' }, sinks, apply: true });
    expect(report.sinks[0]!.rows).toBe(1);
    expect(await count(url, table)).toBe('1');
  });

  it('with a database down: one clear error, nothing forgotten, nothing audited', async () => {
    const down = await mkdtemp(join(tmpdir(), 'tp-forget-down-'));
    try {
      const unreachable = parseSettings({ sinks: [{ type, url: url.replace(/:\d+\//, ':1/'), table, streams: ['events'] }] }).sinks;
      await expect(forget({ dataDir: down, request: { userId: 'u-1' }, sinks: unreachable, apply: true })).rejects.toThrow(
        /cannot reach the \w+ sink's database .*: nothing was forgotten/,
      );
      expect(existsSync(join(down, 'suppression.ndjson'))).toBe(false);
      expect(existsSync(join(down, 'audit'))).toBe(false);
    } finally {
      await rm(down, { recursive: true, force: true });
    }
  });
});

describe('ClickHouse DELETE statements', () => {
  it('quote a hostile id as ClickHouse 18 reads literals (it has no query parameters)', async () => {
    const sinks = parseSettings({ sinks: [{ type: 'clickhouse', url: 'http://127.0.0.1:1', table: 'events_t' }] }).sinks;
    const [statement] = await deleteStatements(sinks, personOf({ userId: HOSTILE }, undefined));
    expect(statement!.text).toBe(`ALTER TABLE default.events_t DELETE WHERE user_id IN ('x\\'); DROP TABLE victims; -- \\\\\\' "')`);
  });
});
