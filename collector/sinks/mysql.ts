import type { Pool } from 'mysql2/promise';
import type { EnrichedEvent } from '../pipeline/enrich';
import type { FailedRecord } from '../pipeline/ingest';
import { EVENT_COLUMNS, eventRow, FAILED_COLUMNS, failedRow, type TableSinkOptions } from './rows';
import { sharedUntilFailure } from './shared-until-failure';
import type { Sink } from './sink';

const DDL = {
  events: (t: string) => `CREATE TABLE IF NOT EXISTS ${t} (
    message_id VARCHAR(256) NOT NULL PRIMARY KEY, type VARCHAR(16) NOT NULL, event VARCHAR(256), anonymous_id VARCHAR(256),
    user_id VARCHAR(256), timestamp DATETIME(3) NOT NULL, received_at DATETIME(3) NOT NULL,
    properties JSON, traits JSON, context JSON NOT NULL, raw JSON NOT NULL) CHARACTER SET utf8mb4`,
  failed: (t: string) => `CREATE TABLE IF NOT EXISTS ${t} (
    id BIGINT AUTO_INCREMENT PRIMARY KEY, received_at DATETIME(3) NOT NULL, write_key_name VARCHAR(100) NOT NULL,
    category VARCHAR(32) NOT NULL, reason TEXT NOT NULL, issues JSON NOT NULL, event MEDIUMTEXT NOT NULL) CHARACTER SET utf8mb4`,
};

// MySQL's DATETIME takes no zone: store UTC as 'YYYY-MM-DD HH:MM:SS.mmm'.
const utc = (iso: string) => new Date(iso).toISOString().replace('T', ' ').slice(0, 23);

/**
 * MySQL / MariaDB through `mysql2` (loaded only when configured): same shape as PostgreSQL,
 * multi-row inserts, and `INSERT IGNORE` on the message_id key for idempotent re-delivery.
 */
export async function createMysqlSink({ url, table, shape }: TableSinkOptions): Promise<Sink> {
  const mysql = await import('mysql2/promise');
  const pool: Pool = mysql.createPool({ uri: url, connectionLimit: 4, connectTimeout: 5000 });
  const createTable = sharedUntilFailure(() => pool.query(DDL[shape](table)));
  const columns = shape === 'events' ? EVENT_COLUMNS : FAILED_COLUMNS;
  const toRow = (e: object): unknown[] => {
    const row = (shape === 'events' ? eventRow(e as EnrichedEvent) : failedRow(e as FailedRecord)) as unknown as Record<string, string | null>;
    return columns.map((c) => (c === 'timestamp' || c === 'received_at' ? utc(row[c]!) : row[c]));
  };
  return {
    async write(events) {
      await createTable();
      for (let start = 0; start < events.length; start += 1000) {
        const rows = events.slice(start, start + 1000).map(toRow);
        await pool.query(`INSERT ${shape === 'events' ? 'IGNORE ' : ''}INTO ${table} (${columns.join(',')}) VALUES ?`, [rows]);
      }
    },
    async ready() {
      return pool.query('SELECT 1').then(() => true, () => false);
    },
    close: () => pool.end(),
  };
}
