import type { Pool, PoolConnection } from 'mysql2/promise';
import { importOptional } from '../optional-import';
import { migrate, VERSIONS_TABLE, type MigrationTarget, type Schema } from './migrations';
import { EventsRefusedError, type Sink, type WriteOutcome } from '../records/sink';
import { EVENT_COLUMNS, FAILED_COLUMNS, rowsOf, unstorableText, valuesOf, type TableSinkOptions } from './rows';
import { sharedUntilFailure } from './shared-until-failure';

/** Each table shape's schema history; a new table runs them all. */
export const MYSQL_SCHEMAS: Record<TableSinkOptions['shape'], Schema> = {
  events: {
    migrations: [
      {
        version: 1,
        statements: (t) => [
          `CREATE TABLE IF NOT EXISTS ${t} (
          message_id VARCHAR(256) NOT NULL PRIMARY KEY, type VARCHAR(16) NOT NULL, event VARCHAR(256), anonymous_id VARCHAR(256),
          user_id VARCHAR(256), timestamp DATETIME(3) NOT NULL, received_at DATETIME(3) NOT NULL,
          properties JSON, traits JSON, context JSON NOT NULL, raw JSON NOT NULL) CHARACTER SET utf8mb4`,
        ],
      },
      {
        // Two sources may use the same message id: events are keyed by both.
        version: 2,
        statements: (t) => [
          `ALTER TABLE ${t} ADD COLUMN source VARCHAR(100) NOT NULL DEFAULT '' FIRST, DROP PRIMARY KEY, ADD PRIMARY KEY (source, message_id)`,
        ],
      },
      {
        // What is asked of the table besides its key: a person's events (`forget`'s DELETE, identity
        // stitching) and events by name over a time range (funnels). One ALTER: all or none.
        version: 3,
        statements: (t) => [
          `ALTER TABLE ${t} ADD INDEX user_id_idx (user_id), ADD INDEX anonymous_id_idx (anonymous_id), ADD INDEX event_timestamp_idx (event, timestamp)`,
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
          id BIGINT AUTO_INCREMENT PRIMARY KEY, received_at DATETIME(3) NOT NULL, write_key_name VARCHAR(100) NOT NULL,
          category VARCHAR(32) NOT NULL, reason TEXT NOT NULL, issues JSON NOT NULL, event MEDIUMTEXT NOT NULL) CHARACTER SET utf8mb4`,
        ],
      },
    ],
  },
};

// MySQL's DATETIME takes no zone: store UTC as 'YYYY-MM-DD HH:MM:SS.mmm'.
const utc = (iso: string) => new Date(iso).toISOString().replace('T', ' ').slice(0, 23);

/**
 * Strict mode: a value the column cannot hold is an error, never silently cut, zeroed or replaced
 * (which is what MariaDB does to them otherwise, and what `INSERT IGNORE` did to whole rows).
 */
const STRICT = "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'";

/**
 * Errors that name the data: SQLSTATE class 22 (data exceptions: a datetime out of range, a value
 * too long), and by number those MariaDB files elsewhere: 1366 incorrect string value, 1292
 * incorrect datetime, 3140 invalid JSON, 4025 a CHECK constraint (MariaDB's JSON columns), 1048 a
 * NULL in a NOT NULL column, 1406 too long, 1264 out of range.
 */
const REFUSED_ERRNOS = new Set([1048, 1264, 1265, 1292, 1300, 1366, 1406, 1411, 3140, 4025]);
const refused = (error: { errno?: unknown; sqlState?: unknown }) =>
  (typeof error.errno === 'number' && REFUSED_ERRNOS.has(error.errno)) || (typeof error.sqlState === 'string' && error.sqlState.startsWith('22'));

/**
 * MySQL / MariaDB through `mysql2` (loaded only when configured): the same shape as PostgreSQL,
 * multi-row inserts in strict mode, and `ON DUPLICATE KEY UPDATE` as a no-op on (source,
 * message_id) for idempotent re-delivery.
 */
export async function createMysqlSink({ url, table, shape }: TableSinkOptions): Promise<Sink> {
  const mysql = await importOptional(() => import('mysql2/promise'), 'mysql2', 'the MySQL sink');
  const pool: Pool = mysql.createPool({ uri: url, connectionLimit: 4, connectTimeout: 5000 });
  // The core pool's event: the statement is queued on each new connection before anything else.
  (pool as unknown as { pool: { on(event: 'connection', listener: (c: { query(sql: string): void }) => void): void } }).pool.on('connection', (c) =>
    c.query(STRICT),
  );
  const prepare = sharedUntilFailure(async () => {
    const connection = await pool.getConnection();
    try {
      return { table, migrated: await migrate(mysqlTarget(connection), table, MYSQL_SCHEMAS[shape]) };
    } finally {
      connection.release();
    }
  });
  const columns = shape === 'events' ? EVENT_COLUMNS : FAILED_COLUMNS;
  const onDuplicate = shape === 'events' ? ' ON DUPLICATE KEY UPDATE message_id = message_id' : '';
  return {
    open: prepare,
    async write(batch) {
      await prepare();
      const outcome: WriteOutcome = { refused: [] };
      const storable: unknown[][] = [];
      rowsOf(batch).forEach((row, index) => {
        const problem = unstorableText(row);
        if (problem) return void outcome.refused.push({ index, reason: `MySQL cannot store it: ${problem}` });
        storable.push(valuesOf(row, columns).map((value, i) => (columns[i] === 'timestamp' || columns[i] === 'received_at' ? utc(value as string) : value)));
      });
      for (let start = 0; start < storable.length; start += 1000) {
        const rows = storable.slice(start, start + 1000);
        await pool
          .query(`INSERT INTO ${table} (${columns.join(',')}) VALUES ?${onDuplicate}`, [rows])
          .catch((error: { errno?: unknown; sqlState?: unknown; message?: string }) => {
            if (refused(error)) throw new EventsRefusedError(`MySQL refused the row: ${error.message} (errno ${String(error.errno)})`);
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

function mysqlTarget(connection: PoolConnection): MigrationTarget {
  return {
    async locked(_table, task) {
      // One lock for every table: collectors starting together migrate one at a time.
      const [rows] = await connection.query(`SELECT GET_LOCK('${VERSIONS_TABLE}', 30) AS got`);
      if ((rows as { got: number }[])[0]?.got !== 1) throw new Error('could not take the schema migration lock within 30 s');
      try {
        return await task();
      } finally {
        await connection.query(`SELECT RELEASE_LOCK('${VERSIONS_TABLE}')`);
      }
    },
    async tableExists(table) {
      const [rows] = await connection.query('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [table]);
      return Number((rows as { n: number }[])[0]?.n) > 0;
    },
    async recordedVersion(table) {
      await connection.query(
        `CREATE TABLE IF NOT EXISTS ${VERSIONS_TABLE} (table_name VARCHAR(128) NOT NULL PRIMARY KEY, version INT NOT NULL, applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))`,
      );
      const [rows] = await connection.query(`SELECT version FROM ${VERSIONS_TABLE} WHERE table_name = ?`, [table]);
      return (rows as { version: number }[])[0]?.version;
    },
    async recordVersion(table, version) {
      await connection.query(
        `INSERT INTO ${VERSIONS_TABLE} (table_name, version) VALUES (?, ?) ON DUPLICATE KEY UPDATE version = VALUES(version), applied_at = CURRENT_TIMESTAMP(3)`,
        [table, version],
      );
    },
    run: (statement) => connection.query(statement),
  };
}
