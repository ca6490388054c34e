import { request } from 'undici';
import type { EnrichedEvent } from '../pipeline/enrich';
import type { FailedRecord } from '../pipeline/ingest';
import { eventRow, failedRow } from './rows';
import { sharedUntilFailure } from './shared-until-failure';
import type { Sink } from './sink';

export interface ClickHouseSinkOptions {
  url: string;
  database: string;
  table: string;
  user?: string;
  password?: string;
  shape: 'events' | 'failed';
}

// Only what ClickHouse 18.x (Debian's) supports: no DateTime64, so milliseconds get their own column.
const DDL = {
  events: (t: string) => `CREATE TABLE IF NOT EXISTS ${t} (
    message_id String, type String, event Nullable(String), anonymous_id Nullable(String), user_id Nullable(String),
    timestamp DateTime, timestamp_ms UInt16, received_at DateTime, received_at_ms UInt16,
    properties Nullable(String), traits Nullable(String), context String, raw String
  ) ENGINE = ReplacingMergeTree(received_at) PARTITION BY toYYYYMM(timestamp) ORDER BY message_id`,
  failed: (t: string) => `CREATE TABLE IF NOT EXISTS ${t} (
    received_at DateTime, received_at_ms UInt16, write_key_name String, category String, reason String, issues String, event String
  ) ENGINE = MergeTree() PARTITION BY toYYYYMM(received_at) ORDER BY received_at`,
};

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const millis = (iso: string) => Date.parse(iso) % 1000;

/**
 * ClickHouse over its HTTP interface with undici: `INSERT ... FORMAT JSONEachRow`, into a
 * ReplacingMergeTree keyed by message_id so re-delivered events collapse (query with FINAL).
 */
export function createClickHouseSink({ url, database, table, user, password, shape }: ClickHouseSinkOptions): Sink {
  const base = url.replace(/\/+$/, '');
  const headers: Record<string, string> = {};
  if (user) headers['x-clickhouse-user'] = user;
  if (password) headers['x-clickhouse-key'] = password;
  const qualified = `${database}.${table}`;

  async function run(query: string, body?: string) {
    const target = `${base}/?database=${encodeURIComponent(database)}&query=${encodeURIComponent(query)}`;
    const res = await request(target, { method: 'POST', headers, body: body ?? '', headersTimeout: 10_000, bodyTimeout: 10_000 });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`ClickHouse answered ${res.statusCode}: ${text.slice(0, 300)}`);
    return text;
  }

  const createTable = sharedUntilFailure(() => run(DDL[shape](qualified)));

  const toRow = (e: object) => {
    if (shape === 'failed') {
      const row = failedRow(e as FailedRecord);
      return { ...row, received_at: seconds(row.received_at), received_at_ms: millis(row.received_at) };
    }
    const row = eventRow(e as EnrichedEvent);
    return {
      ...row,
      timestamp: seconds(row.timestamp),
      timestamp_ms: millis(row.timestamp),
      received_at: seconds(row.received_at),
      received_at_ms: millis(row.received_at),
    };
  };

  return {
    async write(events) {
      await createTable();
      await run(`INSERT INTO ${qualified} FORMAT JSONEachRow`, events.map((e) => JSON.stringify(toRow(e))).join('\n'));
    },
    async ready() {
      return run('SELECT 1').then(() => true, () => false);
    },
    async close() {},
  };
}
