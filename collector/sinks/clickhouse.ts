import { migrate, VERSIONS_TABLE, type MigrationTarget, type Schema } from './migrations';
import { EventsRefusedError, type Sink, type WriteOutcome } from '../records/sink';
import { rowsOf, unstorableText, type EventRow, type FailedRow } from './rows';
import { sharedUntilFailure } from './shared-until-failure';

export interface ClickHouseSinkOptions {
  url: string;
  database: string;
  table: string;
  user?: string;
  password?: string;
  shape: 'events' | 'failed';
}

// Only what ClickHouse 18.x (Debian's) supports: no DateTime64, so milliseconds get their own column.
const EVENTS_COLUMNS = `source String, message_id String, type String, event Nullable(String), anonymous_id Nullable(String), user_id Nullable(String),
    timestamp DateTime, timestamp_ms UInt16, received_at DateTime, received_at_ms UInt16,
    properties Nullable(String), traits Nullable(String), context String, raw String`;

/** Each table shape's schema history; a new table runs them all. */
export const CLICKHOUSE_SCHEMAS: Record<ClickHouseSinkOptions['shape'], Schema> = {
  events: {
    create: (t) => [
      `CREATE TABLE IF NOT EXISTS ${t} (${EVENTS_COLUMNS}) ENGINE = ReplacingMergeTree(received_at) PARTITION BY toYYYYMM(timestamp) ORDER BY (source, message_id)`,
    ],
    migrations: [
      {
        version: 1,
        statements: (t) => [
          `CREATE TABLE IF NOT EXISTS ${t} (
          message_id String, type String, event Nullable(String), anonymous_id Nullable(String), user_id Nullable(String),
          timestamp DateTime, timestamp_ms UInt16, received_at DateTime, received_at_ms UInt16,
          properties Nullable(String), traits Nullable(String), context String, raw String
        ) ENGINE = ReplacingMergeTree(received_at) PARTITION BY toYYYYMM(timestamp) ORDER BY message_id`,
        ],
      },
      {
        // Keyed by source and message id: the sorting key cannot be altered, so the rows move to a
        // new table (the old one stays as `<table>__v1` until the operator drops it).
        version: 2,
        statements: (t) => [
          ...CLICKHOUSE_SCHEMAS.events.create!(`${t}__v2`),
          `INSERT INTO ${t}__v2 SELECT '' AS source, message_id, type, event, anonymous_id, user_id, timestamp, timestamp_ms, received_at, received_at_ms, properties, traits, context, raw FROM ${t}`,
          `RENAME TABLE ${t} TO ${t}__v1, ${t}__v2 TO ${t}`,
        ],
      },
    ],
  },
  failed: {
    migrations: [
      {
        version: 1,
        statements: (t) => [
          `CREATE TABLE IF NOT EXISTS ${t} (
          received_at DateTime, received_at_ms UInt16, write_key_name String, category String, reason String, issues String, event String
        ) ENGINE = MergeTree() PARTITION BY toYYYYMM(received_at) ORDER BY received_at`,
        ],
      },
    ],
  },
};

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const millis = (iso: string) => ((Date.parse(iso) % 1000) + 1000) % 1000;
/** DateTime is seconds since 1970 in a UInt32: outside it, ClickHouse would wrap the value silently. */
const DATETIME_MAX = 2 ** 32 - 1;
const outOfRange = (iso: string) => !(seconds(iso) >= 0 && seconds(iso) <= DATETIME_MAX);

/**
 * ClickHouse exception codes that name the data: cannot parse a value (6, 26, 27, 38, 41, 72),
 * cannot convert (70), type mismatch (53), incorrect data (117), too large a string (131).
 */
const REFUSED_CODES = new Set([6, 26, 27, 38, 41, 53, 70, 72, 117, 131]);

/**
 * ClickHouse over its HTTP interface with undici: `INSERT ... FORMAT JSONEachRow`, into a
 * ReplacingMergeTree keyed by (source, message_id) so re-delivered events collapse (query with
 * FINAL). Tables are created or migrated at start (or on first use), under a lock table.
 */
export function createClickHouseSink({ url, database, table, user, password, shape }: ClickHouseSinkOptions): Sink {
  const base = url.replace(/\/+$/, '');
  const headers: Record<string, string> = {};
  if (user) headers['x-clickhouse-user'] = user;
  if (password) headers['x-clickhouse-key'] = password;
  const qualified = `${database}.${table}`;

  async function run(query: string, body?: string) {
    const target = `${base}/?database=${encodeURIComponent(database)}&query=${encodeURIComponent(query)}`;
    // undici loads when a sink of this kind first sends: at start-up it was a quarter of the collector's CPU.
    const { request } = await import('undici');
    const res = await request(target, { method: 'POST', headers, body: body ?? '', headersTimeout: 10_000, bodyTimeout: 10_000 });
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      const code = Number(/Code: (\d+)/.exec(text)?.[1]);
      const message = `ClickHouse answered ${res.statusCode}: ${text.slice(0, 300)}`;
      throw REFUSED_CODES.has(code) ? new EventsRefusedError(message) : new Error(message);
    }
    return text;
  }

  const prepare = sharedUntilFailure(async () => ({
    table: qualified,
    migrated: await migrate(clickhouseTarget(run, database), qualified, CLICKHOUSE_SCHEMAS[shape]),
  }));

  const toRow = (row: EventRow | FailedRow): { row?: object; problem?: string } => {
    if (!('message_id' in row)) return { row: { ...row, received_at: seconds(row.received_at), received_at_ms: millis(row.received_at) } };
    const problem = unstorableText(row);
    if (problem) return { problem };
    if (outOfRange(row.timestamp) || outOfRange(row.received_at))
      return { problem: `timestamp ${row.timestamp} is outside ClickHouse's DateTime (1970 to 2106)` };
    return {
      row: {
        ...row,
        timestamp: seconds(row.timestamp),
        timestamp_ms: millis(row.timestamp),
        received_at: seconds(row.received_at),
        received_at_ms: millis(row.received_at),
      },
    };
  };

  return {
    open: prepare,
    async write(batch) {
      await prepare();
      const outcome: WriteOutcome = { refused: [] };
      const lines: string[] = [];
      rowsOf(batch).forEach((source, index) => {
        const { row, problem } = toRow(source);
        if (problem) outcome.refused.push({ index, reason: `ClickHouse cannot store it: ${problem}` });
        else lines.push(JSON.stringify(row));
      });
      if (lines.length > 0) await run(`INSERT INTO ${qualified} FORMAT JSONEachRow`, lines.join('\n'));
      return outcome;
    },
    async ready() {
      return run('SELECT 1').then(
        () => true,
        () => false,
      );
    },
    async close() {},
  };
}

/** A ClickHouse string literal (backslash escapes, as its parser reads them). */
export const clickhouseString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** How long a collector waits for another's migration at start before it goes on (and retries on its first write). */
const LOCK_WAIT_MS = 60_000;
/** A lock held longer than this was left by a collector that died: a migration copying a big table may take minutes. */
const STALE_LOCK_SECONDS = 30 * 60;

function clickhouseTarget(run: (query: string) => Promise<string>, database: string): MigrationTarget {
  const versions = `${database}.${VERSIONS_TABLE}`;
  const lockName = `${VERSIONS_TABLE}_lock`;
  const lock = `${database}.${lockName}`;
  return {
    // ClickHouse has no locks, but creating a table is atomic and fails when it exists (code 57):
    // the table is the lock. One older than any migration takes was left by a collector that died.
    async locked(_table, task) {
      const deadline = Date.now() + LOCK_WAIT_MS;
      for (;;) {
        const taken = await run(`CREATE TABLE ${lock} (held UInt8) ENGINE = Memory`).then(
          () => true,
          (error: Error) => {
            if (!/Code: 57\b/.test(error.message)) throw error;
            return false;
          },
        );
        if (taken) break;
        const age = Number(
          (
            await run(
              `SELECT now() - metadata_modification_time FROM system.tables WHERE database = ${clickhouseString(database)} AND name = ${clickhouseString(lockName)}`,
            )
          ).trim(),
        );
        if (age > STALE_LOCK_SECONDS) await run(`DROP TABLE IF EXISTS ${lock}`);
        else if (Date.now() > deadline) throw new Error(`another collector has held the schema migration lock (${lock}) for ${age} s`);
        else await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const release = () => run(`DROP TABLE IF EXISTS ${lock}`);
      // A failed migration's reason matters more than a failed release (which goes stale in time).
      const result = await task().catch(async (error: unknown) => {
        await release().catch(() => {});
        throw error;
      });
      await release();
      return result;
    },
    async tableExists(table) {
      const [db, name] = table.split('.');
      return (await run(`SELECT count() FROM system.tables WHERE database = ${clickhouseString(db!)} AND name = ${clickhouseString(name!)}`)).trim() !== '0';
    },
    async recordedVersion(table) {
      await run(
        `CREATE TABLE IF NOT EXISTS ${versions} (table_name String, version UInt32, applied_at DateTime) ENGINE = ReplacingMergeTree(version) ORDER BY table_name`,
      );
      const text = (await run(`SELECT max(version) FROM ${versions} WHERE table_name = ${clickhouseString(table)} HAVING count() > 0`)).trim();
      return text ? Number(text) : undefined;
    },
    async recordVersion(table, version) {
      await run(`INSERT INTO ${versions} (table_name, version, applied_at) VALUES (${clickhouseString(table)}, ${version}, now())`);
    },
    run,
  };
}
