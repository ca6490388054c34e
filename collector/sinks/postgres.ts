import type { Pool } from 'pg';
import type { EnrichedEvent } from '../pipeline/enrich';
import type { FailedRecord } from '../pipeline/ingest';
import { EVENT_COLUMNS, eventRow, FAILED_COLUMNS, failedRow, type TableSinkOptions } from './rows';
import { sharedUntilFailure } from './shared-until-failure';
import type { Sink } from './sink';

const DDL = {
  events: (t: string) => `CREATE TABLE IF NOT EXISTS ${t} (
    message_id text PRIMARY KEY, type text NOT NULL, event text, anonymous_id text, user_id text,
    timestamp timestamptz NOT NULL, received_at timestamptz NOT NULL,
    properties jsonb, traits jsonb, context jsonb NOT NULL, raw jsonb NOT NULL)`,
  failed: (t: string) => `CREATE TABLE IF NOT EXISTS ${t} (
    id bigserial PRIMARY KEY, received_at timestamptz NOT NULL, write_key_name text NOT NULL,
    category text NOT NULL, reason text NOT NULL, issues jsonb NOT NULL, event text NOT NULL)`,
};

/**
 * PostgreSQL through `pg` (loaded only when configured): the table is created if missing, rows
 * go in as one multi-row INSERT per batch, and `ON CONFLICT (message_id) DO NOTHING` makes
 * re-delivery after a crash harmless.
 */
export async function createPostgresSink({ url, table, shape }: TableSinkOptions): Promise<Sink> {
  const { default: pg } = await import('pg');
  const pool: Pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5000 });
  pool.on('error', () => {}); // an idle client dropped by the server: the next query reconnects
  const createTable = sharedUntilFailure(() => pool.query(DDL[shape](table)));
  const columns = shape === 'events' ? EVENT_COLUMNS : FAILED_COLUMNS;
  const toRow = (e: object) => (shape === 'events' ? eventRow(e as EnrichedEvent) : failedRow(e as FailedRecord)) as unknown as Record<string, unknown>;
  const conflict = shape === 'events' ? ' ON CONFLICT (message_id) DO NOTHING' : '';
  const CHUNK = Math.floor(60_000 / columns.length); // PostgreSQL allows 65,535 parameters

  return {
    async write(events) {
      await createTable();
      for (let start = 0; start < events.length; start += CHUNK) {
        const rows = events.slice(start, start + CHUNK).map(toRow);
        const values: unknown[] = [];
        const tuples = rows.map((row) => `(${columns.map((c) => `$${values.push(row[c])}`).join(',')})`);
        await pool.query(`INSERT INTO ${table} (${columns.join(',')}) VALUES ${tuples.join(',')}${conflict}`, values);
      }
    },
    async ready() {
      return pool.query('SELECT 1').then(() => true, () => false);
    },
    close: () => pool.end(),
  };
}
