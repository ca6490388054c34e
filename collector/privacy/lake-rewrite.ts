import { rename, rm } from 'node:fs/promises';
import { relative } from 'node:path';
import { openEngine, sqlString } from '../analysis/engine';
import { lakePaths, listLakeFiles } from '../analysis/lake';
import type { Person } from './person';

const JSON_COLUMNS = new Set(['traits', 'context', 'properties']);

/** The lake rows that are the person's, as a DuckDB condition (every value a quoted literal). */
export function lakeCondition(person: Person): string {
  const list = (values: Iterable<string>) => `(${[...values].map(sqlString).join(', ')})`;
  const conditions: string[] = [];
  if (person.keys.userId.size) conditions.push(`user_id IN ${list(person.keys.userId)}`);
  if (person.keys.anonymousId.size) conditions.push(`anonymous_id IN ${list(person.keys.anonymousId)}`);
  if (person.keys.email.size) {
    for (const path of person.emailPaths) {
      const [column, ...rest] = path.split('.');
      if (!JSON_COLUMNS.has(column!) || rest.length === 0) continue;
      conditions.push(`lower(trim(${column}->>${sqlString(`$.${rest.map((k) => JSON.stringify(k)).join('.')}`)})) IN ${list(person.keys.email)}`);
    }
  }
  return conditions.length ? conditions.map((c) => `coalesce(${c}, false)`).join(' OR ') : 'false';
}

/**
 * Rewrites the lake's Parquet files that hold the person's rows without them: each written beside
 * the old one and renamed over it, so a reader sees the old file or the new, never half of one. A
 * file left with no rows is removed.
 */
export async function forgetInLake(dataDir: string, person: Person): Promise<{ file: string; rows: number }[]> {
  const paths = lakePaths(dataDir);
  const lakeFiles = await listLakeFiles(paths);
  const files: { file: string; rows: number }[] = [];
  if (lakeFiles.length === 0) return files;
  const engine = await openEngine();
  const condition = lakeCondition(person);
  try {
    for (const file of lakeFiles) {
      const [{ rows, total }] = (await engine.all<{ rows: number; total: number }>(
        `SELECT count(*) FILTER (WHERE ${condition})::INTEGER AS rows, count(*)::INTEGER AS total FROM read_parquet(${sqlString(file)}, hive_partitioning = false)`,
      )) as [{ rows: number; total: number }];
      if (rows === 0) continue;
      if (rows === total) await rm(file);
      else {
        const temporary = `${file}.forget-${process.pid}.tmp`;
        await engine.run(
          `COPY (SELECT * FROM read_parquet(${sqlString(file)}, hive_partitioning = false) WHERE NOT (${condition})) TO ${sqlString(temporary)} (FORMAT parquet, COMPRESSION zstd)`,
        );
        await rename(temporary, file);
      }
      files.push({ file: relative(dataDir, file), rows });
    }
  } finally {
    engine.close();
  }
  return files;
}

/** The anonymous ids of the lake's rows that carry one of the person's user ids or e-mails (their devices). */
export async function linkedInLake(dataDir: string, person: Person): Promise<string[]> {
  const lakeFiles = await listLakeFiles(lakePaths(dataDir));
  const direct: Person = { ...person, keys: { ...person.keys, anonymousId: new Set() } };
  if (lakeFiles.length === 0 || direct.keys.userId.size + direct.keys.email.size === 0) return [];
  const engine = await openEngine();
  try {
    const rows = await engine.all<{ id: string }>(
      `SELECT DISTINCT anonymous_id AS id FROM read_parquet([${lakeFiles.map(sqlString).join(', ')}], hive_partitioning = false)
        WHERE anonymous_id IS NOT NULL AND (${lakeCondition(direct)})`,
    );
    return rows.map((r) => r.id);
  } finally {
    engine.close();
  }
}
