import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Engine } from './engine';
import { sqlString } from './engine';
import type { EventSources } from './events';
import { duckdb } from './dialect';
import { identifierExpressions } from './identity';

export const DEFAULT_MAX_IDS = 100;

export interface Suspicious {
  identifier: string;
  /** How many other identifiers it is linked to. */
  linked: number;
}

export interface StitchResult {
  /** Connected components over every identifier seen (unlinked devices stay apart). */
  persons: number;
  identifiers: number;
  /** Persons made of more than one identifier. */
  merged: number;
  suspicious: Suspicious[];
}

interface StitchState extends StitchResult {
  fingerprint: string;
  maxIds: number;
}

const lakeColumn = (name: string) => name;

/**
 * The identity graph over `events`: identifiers are nodes, and every event links the identifiers
 * it carries. An identifier linked to more than `maxIds` others (a shared device, a test account,
 * a server batch's id) is reported and its links are not used. Connected components are found by
 * label propagation with pointer jumping (a handful of rounds on identity graphs, which are
 * shallow); each person's id is a hash of its smallest identifier, so the same input gives the
 * same ids. Leaves the table `persons (identifier, person_id)`.
 */
export async function stitch(engine: Engine, { maxIds = DEFAULT_MAX_IDS, progress = (_: string) => {} } = {}): Promise<StitchResult> {
  const ids = identifierExpressions(duckdb, lakeColumn);
  progress('collecting identifiers');
  // The identifier columns are de-duplicated first (a columnar GROUP BY, cheap), and the
  // identifier expressions evaluated on what is left: a person's many events share their ids.
  await engine.run(`CREATE OR REPLACE TEMP TABLE stitch_sets AS
    SELECT DISTINCT list_filter([${ids.join(', ')}], x -> x IS NOT NULL) AS ids
    FROM (SELECT DISTINCT CASE WHEN type = 'alias' THEN type END AS type, user_id, anonymous_id,
      CASE WHEN type = 'alias' THEN previous_id END AS previous_id, device_id, email, phone, unionid, openid FROM events)`);
  await engine.run(`CREATE OR REPLACE TEMP TABLE stitch_nodes AS
    SELECT (row_number() OVER (ORDER BY identifier))::INTEGER - 1 AS n, identifier
    FROM (SELECT DISTINCT unnest(ids) AS identifier FROM stitch_sets)`);
  await engine.run(`CREATE OR REPLACE TEMP TABLE stitch_edges AS
    WITH members AS (SELECT s.sid, unnest(s.ids) AS identifier FROM (SELECT row_number() OVER () AS sid, ids FROM stitch_sets WHERE len(ids) > 1) s),
         numbered AS (SELECT m.sid, n.n FROM members m JOIN stitch_nodes n USING (identifier))
    SELECT DISTINCT a.n AS a, b.n AS b FROM numbered a JOIN numbered b ON a.sid = b.sid AND a.n < b.n`);
  await engine.run(`CREATE OR REPLACE TEMP TABLE stitch_degree AS
    SELECT n, count(*)::INTEGER AS linked FROM (SELECT a AS n FROM stitch_edges UNION ALL SELECT b FROM stitch_edges) GROUP BY n`);
  const suspicious = await engine.all<Suspicious>(`SELECT identifier, linked FROM stitch_degree JOIN stitch_nodes USING (n)
    WHERE linked > ${maxIds} ORDER BY linked DESC, identifier`);
  await engine.run(`CREATE OR REPLACE TEMP TABLE stitch_links AS
    WITH kept AS (SELECT a, b FROM stitch_edges WHERE a NOT IN (SELECT n FROM stitch_degree WHERE linked > ${maxIds})
                                              AND b NOT IN (SELECT n FROM stitch_degree WHERE linked > ${maxIds}))
    SELECT a, b FROM kept UNION ALL SELECT b, a FROM kept`);

  await engine.run(`CREATE OR REPLACE TEMP TABLE stitch_label AS SELECT n, n AS l FROM stitch_nodes`);
  for (let round = 1; ; round++) {
    progress(`linking identifiers, round ${round}`);
    await engine.run(`CREATE OR REPLACE TEMP TABLE stitch_next AS
      WITH spread AS (
        SELECT n, min(l) AS l FROM (
          SELECT n, l FROM stitch_label
          UNION ALL SELECT k.a, s.l FROM stitch_links k JOIN stitch_label s ON s.n = k.b)
        GROUP BY n)
      SELECT x.n, y.l FROM spread x JOIN spread y ON y.n = x.l`);
    const [{ changed }] = (await engine.all<{ changed: number }>(
      `SELECT count(*)::INTEGER AS changed FROM stitch_next JOIN stitch_label USING (n) WHERE stitch_next.l <> stitch_label.l`,
    )) as [{ changed: number }];
    await engine.run(`DROP TABLE stitch_label; ALTER TABLE stitch_next RENAME TO stitch_label`);
    if (changed === 0) break;
  }

  await engine.run(`CREATE OR REPLACE TEMP TABLE persons AS
    SELECT n.identifier, 'p_' || substr(md5(root.identifier), 1, 16) AS person_id
    FROM stitch_label l JOIN stitch_nodes n USING (n) JOIN stitch_nodes root ON root.n = l.l`);
  const [counts] = await engine.all<{ persons: number; identifiers: number; merged: number }>(`
    SELECT count(*)::INTEGER AS persons, sum(size)::INTEGER AS identifiers, count(*) FILTER (WHERE size > 1)::INTEGER AS merged
    FROM (SELECT l, count(*) AS size FROM stitch_label GROUP BY l)`);
  await engine.run(
    `DROP TABLE stitch_sets; DROP TABLE stitch_edges; DROP TABLE stitch_degree; DROP TABLE stitch_links; DROP TABLE stitch_label; DROP TABLE stitch_nodes`,
  );
  return { persons: counts?.persons ?? 0, identifiers: counts?.identifiers ?? 0, merged: counts?.merged ?? 0, suspicious };
}

/** What the mapping was made from: the lake's files and the NDJSON parts, with their sizes. */
export function sourcesFingerprint(sources: EventSources): string {
  const hash = createHash('sha256');
  for (const file of sources.lakeFiles) hash.update(`${file}\n`);
  for (const part of sources.freshParts) hash.update(`${part.key}:${part.bytes}\n`);
  return hash.digest('hex');
}

const mappingFile = (sources: EventSources) => join(sources.paths.persons, 'persons.parquet');
const stateFile = (sources: EventSources) => join(sources.paths.persons, 'stitch.json');

/** Writes `persons` to `lake/persons/persons.parquet`, with what it was made from beside it. */
export async function saveMapping(engine: Engine, sources: EventSources, result: StitchResult, maxIds: number): Promise<void> {
  await mkdir(sources.paths.persons, { recursive: true });
  const file = mappingFile(sources);
  await engine.run(`COPY (SELECT identifier, person_id FROM persons) TO ${sqlString(`${file}.tmp`)} (FORMAT parquet, COMPRESSION zstd)`);
  await rename(`${file}.tmp`, file);
  const state: StitchState = { ...result, fingerprint: sourcesFingerprint(sources), maxIds };
  await writeFile(`${stateFile(sources)}.tmp`, JSON.stringify(state, null, 1));
  await rename(`${stateFile(sources)}.tmp`, stateFile(sources));
}

/**
 * Makes the table `persons` and the view `events_p` (events with their `person_id`): from the
 * saved mapping when it was made from the data as it is now, else by stitching again (and
 * saving), so a funnel never counts with an outdated identity graph.
 */
export async function usePersons(engine: Engine, sources: EventSources, progress: (message: string) => void = () => {}): Promise<void> {
  const state = existsSync(stateFile(sources)) ? (JSON.parse(await readFile(stateFile(sources), 'utf8')) as StitchState) : undefined;
  if (state && state.fingerprint === sourcesFingerprint(sources) && existsSync(mappingFile(sources))) {
    await engine.run(`CREATE OR REPLACE TEMP TABLE persons AS SELECT * FROM read_parquet(${sqlString(mappingFile(sources))})`);
  } else {
    progress(state ? 'the data changed since the last stitch: stitching identities again' : 'stitching identities (no mapping yet)');
    const maxIds = state?.maxIds ?? DEFAULT_MAX_IDS;
    await saveMapping(engine, sources, await stitch(engine, { maxIds, progress }), maxIds);
  }
  await engine.run(`CREATE OR REPLACE TEMP VIEW events_p AS
    SELECT e.*, p.person_id FROM events e JOIN persons p ON p.identifier = e.person_key`);
}
