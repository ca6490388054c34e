import type { DuckDBConnection } from '@duckdb/node-api';

/** DuckDB, embedded: one in-memory database per command, reading the data folder's files. */
export interface Engine {
  /** Rows as plain objects: BIGINT as bigint, TIMESTAMP as Date; cast in SQL for other shapes. */
  all<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  run(sql: string): Promise<void>;
  close(): void;
}

export const DUCKDB_PACKAGE = '@duckdb/node-api@1.5.6-r.1';

/** Raised when the optional engine is not installed; the CLI prints its message as one line. */
export class EngineMissingError extends Error {}

/**
 * Opens DuckDB. `@duckdb/node-api` is an optional dependency, loaded only by the analysis commands
 * (the collector never needs it). Times are UTC whatever the machine's zone, so dates and windows
 * mean the same on every machine.
 */
export async function openEngine(): Promise<Engine> {
  let api: typeof import('@duckdb/node-api');
  try {
    api = await import('@duckdb/node-api');
  } catch {
    throw new EngineMissingError(`the analysis commands need DuckDB: npm install ${DUCKDB_PACKAGE}`);
  }
  // JSON and Parquet are built in; never try to download an extension (no network at most sites).
  const instance = await api.DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
  const connection: DuckDBConnection = await instance.connect();
  await connection.run(`SET TimeZone = 'UTC'`);
  return {
    async all<T>(sql: string) {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJS() as T[];
    },
    async run(sql) {
      await connection.run(sql);
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A SQL string literal. */
export const sqlString = (value: string) => `'${value.replaceAll("'", "''")}'`;
