import { reasonOf } from '../startup-error';

/**
 * Table schemas are versioned: each sink's table has a list of migrations, and the sink brings the
 * table up to the last one when it starts, under a lock so that collectors starting together do
 * not race. A table that exists without a recorded version was made by the first schema (v1).
 */
export interface Migration {
  version: number;
  /** What brings the table from the version before to this one. */
  statements: (table: string) => string[];
}

/** How one database records versions, takes the lock, and runs statements. */
export interface MigrationTarget {
  /** Runs `task` holding a lock named for the table (held by one collector at a time). */
  locked<T>(table: string, task: () => Promise<T>): Promise<T>;
  tableExists(table: string): Promise<boolean>;
  /** The recorded version, or undefined when none is recorded. */
  recordedVersion(table: string): Promise<number | undefined>;
  recordVersion(table: string, version: number): Promise<void>;
  run(statement: string): Promise<unknown>;
}

/** A table's schema history, and (where replaying it on a new table would leave litter) its latest form. */
export interface Schema {
  migrations: readonly Migration[];
  /** Creates a new table at the last version directly. */
  create?: (table: string) => string[];
}

/**
 * A migration's statement failed: the database answered, and said no. Unlike an unreachable
 * server (retried later), this stops the collector at start with one line naming table and version.
 */
export class MigrationError extends Error {
  override name = 'MigrationError';
  constructor(
    readonly table: string,
    readonly version: number,
    cause: unknown,
  ) {
    super(`table ${table}: migration to schema version ${version} failed: ${reasonOf(cause)}`, { cause });
  }
}

/**
 * Brings `table` to the latest version; returns the versions applied. A table at a later version
 * than this collector knows (an older collector during a rolling upgrade) is left as it is:
 * migrations only add, so what an older collector writes still fits.
 */
export async function migrate(target: MigrationTarget, table: string, { migrations, create }: Schema): Promise<number[]> {
  const apply = async (version: number, statements: string[]) => {
    for (const statement of statements) {
      await target.run(statement).catch((error: unknown) => {
        throw new MigrationError(table, version, error);
      });
    }
    await target.recordVersion(table, version);
  };
  return target.locked(table, async () => {
    const recorded = await target.recordedVersion(table);
    const current = recorded ?? ((await target.tableExists(table)) ? 1 : 0);
    const latest = migrations.at(-1)!.version;
    if (current === 0 && create) {
      await apply(latest, create(table));
      return [latest];
    }
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      await apply(migration.version, migration.statements(table));
      applied.push(migration.version);
    }
    if (recorded === undefined && applied.length === 0 && current > 0) await target.recordVersion(table, current);
    return applied;
  });
}

/** The table that records versions, in every database a sink writes to. */
export const VERSIONS_TABLE = 'touchpoint_schema_versions';
