import type { Pool, PoolClient } from 'pg';
import { importOptional } from '../optional-import';
import { migrate, VERSIONS_TABLE, type MigrationTarget, type Schema } from './migrations';
import { EventsRefusedError, type Sink, type WriteOutcome } from '../records/sink';
import { EVENT_COLUMNS, FAILED_COLUMNS, rowsOf, unstorableText, valuesOf, type TableSinkOptions } from './rows';
import { sharedUntilFailure } from './shared-until-failure';

/** Each table shape's schema history; a new table runs them all. */
export const POSTGRES_SCHEMAS: Record<TableSinkOptions['shape'], Schema> = {
  events: {
    migrations: [
      {
        version: 1,
        statements: (t) => [
          `CREATE TABLE IF NOT EXISTS ${t} (
          message_id text PRIMARY KEY, type text NOT NULL, event text, anonymous_id text, user_id text,
          timestamp timestamptz NOT NULL, received_at timestamptz NOT NULL,
          properties jsonb, traits jsonb, context jsonb NOT NULL, raw jsonb NOT NULL)`,
        ],
      },
      {
        // Two sources may use the same message id: events are keyed by both.
        version: 2,
        statements: (t) => [
          `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS source text NOT NULL DEFAULT ''`,
          `ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${t}_pkey`,
          `ALTER TABLE ${t} ADD PRIMARY KEY (source, message_id)`,
        ],
      },
      {
        // What is asked of the table besides its key: a person's events (`forget`'s DELETE, identity
        // stitching) and events by name over a time range (funnels). IF NOT EXISTS: an operator may
        // have built them beforehand with CREATE INDEX CONCURRENTLY, which holds no writes.
        version: 3,
        statements: (t) => [
          `CREATE INDEX IF NOT EXISTS ${t}_user_id_idx ON ${t} (user_id)`,
          `CREATE INDEX IF NOT EXISTS ${t}_anonymous_id_idx ON ${t} (anonymous_id)`,
          `CREATE INDEX IF NOT EXISTS ${t}_event_timestamp_idx ON ${t} (event, timestamp)`,
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
          id bigserial PRIMARY KEY, received_at timestamptz NOT NULL, write_key_name text NOT NULL,
          category text NOT NULL, reason text NOT NULL, issues jsonb NOT NULL, event text NOT NULL)`,
        ],
      },
    ],
  },
};

/**
 * SQLSTATE classes that name the data, not the server: 22 data exception (a NUL character, a lone
 * surrogate in JSON, a year out of range), 23 integrity, 54 program limit (a value too large).
 */
const REFUSED = /^(22|23|54)/;

/**
 * PostgreSQL through `pg` (loaded only when configured): the table is created or migrated on first
 * use, rows go in as one multi-row INSERT per batch, and `ON CONFLICT (source, message_id) DO
 * NOTHING` makes re-delivery after a crash harmless. A row the server refuses fails the write with
 * `EventsRefusedError`, for the pump to find it and set it aside.
 */
export async function createPostgresSink({ url, table, shape }: TableSinkOptions): Promise<Sink> {
  const { default: pg } = await importOptional(() => import('pg'), 'pg', 'the PostgreSQL sink');
  const pool: Pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5000 });
  pool.on('error', () => {}); // an idle client dropped by the server: the next query reconnects
  const prepare = sharedUntilFailure(async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // DDL is transactional here: the lock and the migrations commit together.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('${VERSIONS_TABLE}'))`);
      const migrated = await migrate(postgresTarget(client), table, POSTGRES_SCHEMAS[shape]);
      await client.query('COMMIT');
      return { table, migrated };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  });
  const columns = shape === 'events' ? EVENT_COLUMNS : FAILED_COLUMNS;
  const conflict = shape === 'events' ? ' ON CONFLICT (source, message_id) DO NOTHING' : '';
  const CHUNK = Math.floor(60_000 / columns.length); // PostgreSQL allows 65,535 parameters

  return {
    open: prepare,
    async write(batch) {
      await prepare();
      const outcome: WriteOutcome = { refused: [] };
      const storable: unknown[][] = [];
      rowsOf(batch).forEach((row, index) => {
        const problem = unstorableText(row);
        if (problem) outcome.refused.push({ index, reason: `PostgreSQL cannot store it: ${problem}` });
        else storable.push(valuesOf(row, columns));
      });
      for (let start = 0; start < storable.length; start += CHUNK) {
        const rows = storable.slice(start, start + CHUNK);
        const values: unknown[] = [];
        const tuples = rows.map((row) => `(${row.map((value) => `$${values.push(value)}`).join(',')})`);
        await pool
          .query(`INSERT INTO ${table} (${columns.join(',')}) VALUES ${tuples.join(',')}${conflict}`, values)
          .catch((error: { code?: unknown; message?: string }) => {
            if (typeof error.code === 'string' && REFUSED.test(error.code))
              throw new EventsRefusedError(`PostgreSQL refused the row: ${error.message} (SQLSTATE ${error.code})`);
            throw error;
          });
      }
      return outcome;
    },
    async ready() {
      return pool.query('SELECT 1').then(
        () => true,
        () => false,
      );
    },
    close: () => pool.end(),
  };
}

function postgresTarget(client: PoolClient): MigrationTarget {
  return {
    locked: (_table, task) => task(), // the transaction holds the advisory lock
    async tableExists(table) {
      const { rows } = await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [table]);
      return rows[0].present === true;
    },
    async recordedVersion(table) {
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${VERSIONS_TABLE} (table_name text PRIMARY KEY, version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query(`SELECT version FROM ${VERSIONS_TABLE} WHERE table_name = $1`, [table]);
      return rows[0]?.version as number | undefined;
    },
    async recordVersion(table, version) {
      await client.query(
        `INSERT INTO ${VERSIONS_TABLE} (table_name, version) VALUES ($1, $2) ON CONFLICT (table_name) DO UPDATE SET version = EXCLUDED.version, applied_at = now()`,
        [table, version],
      );
    },
    run: (statement) => client.query(statement),
  };
}
