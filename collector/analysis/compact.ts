import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Engine } from './engine';
import { sqlString } from './engine';
import { LAKE_COLUMN_NAMES, firstOfEach, ndjsonRows } from './events';
import { lockHolder } from '../log/lock';
import { isSealed, lakePaths, listLakeFiles, listParts, OutdatedLakeError, readManifest, writeManifest, type Part } from './lake';

const STAGING = '_staging-';
/**
 * Dictionary encoding pays for the few-valued columns (type, event, channel) but not for the
 * JSON objects and ids, unique per row: a small limit lets the writer give up on those early
 * (a third less time writing a million events here).
 */
const PARQUET_OPTIONS = 'DICTIONARY_SIZE_LIMIT 10000';

export interface CompactOptions {
  data: string;
  /** A part opened longer ago than this is sealed (the NDJSON sink's `rotateSeconds`, an hour by default). */
  sealedAfterSeconds?: number;
  /** NDJSON bytes read per round: bounds memory, and how often the lake's ids are scanned. */
  roundBytes?: number;
  now?: () => number;
  progress?: (message: string) => void;
}

export interface CompactResult {
  /** Parts compacted in this run. */
  parts: number;
  /** Lines read from them. */
  read: number;
  /** Rows written to the lake. */
  written: number;
  /** Lines dropped as re-sent events already in the lake or read twice. */
  duplicates: number;
  /** Parts the collector may still be writing, left for a later run. */
  open: number;
  files: string[];
}

/**
 * Compacts sealed NDJSON parts into Parquet under `lake/events/date=YYYY-MM-DD/`, incrementally:
 * parts listed in the manifest are not read again, open parts are left for later. Rows are
 * de-duplicated by (source, messageId) within a round and against the lake, so a part compacted
 * twice (a crash between writing its Parquet and recording it) adds nothing the second time.
 */
export async function compact(engine: Engine, options: CompactOptions): Promise<CompactResult> {
  const { data, sealedAfterSeconds = 3600, roundBytes = 1 << 30, now = Date.now, progress = () => {} } = options;
  const paths = lakePaths(data);
  // What a compaction killed mid-write left: never read, and redone from the parts it had not recorded.
  for (const name of await readdir(paths.lake).catch(() => [] as string[])) {
    if (name.startsWith(STAGING)) await rm(join(paths.lake, name), { recursive: true, force: true });
  }
  const manifest = await readManifest(paths).catch(async (error: unknown) => {
    if (!(error instanceof OutdatedLakeError)) throw error;
    // Rebuilt from the NDJSON parts, which the collector keeps (the lake is derived from them).
    progress('the lake was written by an earlier version: rebuilding it');
    for (const folder of [paths.lakeEvents, paths.persons]) await rm(folder, { recursive: true, force: true });
    await rm(paths.manifest, { force: true });
    return readManifest(paths);
  });
  const all = await listParts(paths);
  const pending = all.filter((part) => !manifest.parts[part.key]);
  const at = now();
  // With no collector running on the folder, its log's newest part is finished too.
  const logRunning = (await lockHolder(join(data, '.touchpoint.lock'))) !== undefined;
  const sealed = pending.filter((part) => isSealed(part, all, at, sealedAfterSeconds * 1000, logRunning));
  const result: CompactResult = { parts: 0, read: 0, written: 0, duplicates: 0, open: pending.length - sealed.length, files: [] };

  const rounds: Part[][] = [];
  for (const part of sealed) {
    const round = rounds.at(-1);
    if (round && round.reduce((sum, p) => sum + p.bytes, 0) + part.bytes <= roundBytes) round.push(part);
    else rounds.push([part]);
  }

  for (const [index, round] of rounds.entries()) {
    progress(`compacting ${round.length} part(s), round ${index + 1} of ${rounds.length}`);
    const files = round.map((p) => p.path);
    // The keys first (a light read): lines per part for the manifest, and the few keys that need
    // care — sent twice within the round, or already in the lake — so that the rows themselves
    // stream from NDJSON to Parquet without being held or sorted.
    await engine.run(`CREATE OR REPLACE TEMP TABLE compact_keys AS
      SELECT filename, coalesce(source, '') AS source, messageId AS message_id
      FROM read_json([${files.map(sqlString).join(', ')}], format = 'newline_delimited', ignore_errors = true, filename = true,
        maximum_object_size = 67108864, columns = {messageId: 'VARCHAR', source: 'VARCHAR', type: 'VARCHAR'})
      WHERE messageId IS NOT NULL AND type IS NOT NULL`);
    const lakeFiles = await listLakeFiles(paths);
    const inLake = lakeFiles.length
      ? `UNION ALL SELECT k.source, k.message_id, true FROM compact_keys k
           SEMI JOIN (SELECT coalesce(source, '') AS source, message_id FROM read_parquet([${lakeFiles.map(sqlString).join(', ')}])) l
           ON l.source = k.source AND l.message_id = k.message_id`
      : '';
    await engine.run(`CREATE OR REPLACE TEMP TABLE compact_special AS
      SELECT source, message_id, bool_or(in_lake) AS in_lake FROM (
        SELECT source, message_id, false AS in_lake FROM compact_keys GROUP BY source, message_id HAVING count(*) > 1
        ${inLake})
      GROUP BY source, message_id`);
    const [counts] = await engine.all<{ written: number }>(`SELECT (
        (SELECT count(*) FROM compact_keys k ANTI JOIN compact_special s ON s.source = k.source AND s.message_id = k.message_id)
        + (SELECT count(*) FROM compact_special WHERE NOT in_lake))::INTEGER AS written`);
    const linesOf = new Map(
      (await engine.all<{ filename: string; lines: number }>(`SELECT filename, count(*)::INTEGER AS lines FROM compact_keys GROUP BY filename`)).map((l) => [
        l.filename,
        l.lines,
      ]),
    );
    const repeatedIn = (
      await engine.all<{ filename: string }>(`SELECT DISTINCT filename FROM compact_keys k
      SEMI JOIN compact_special s ON s.source = k.source AND s.message_id = k.message_id AND NOT s.in_lake`)
    ).map((f) => f.filename);
    const key = (alias: string) => `s.source = coalesce(${alias}.source, '') AND s.message_id = ${alias}.message_id`;

    // Each pass writes every day of the round into a staging folder outside lake/events/, whose
    // files are then renamed into their partitions: readers never see a file being written.
    await mkdir(paths.lake, { recursive: true });
    const passes = [
      `SELECT f.* FROM (${ndjsonRows(files, { withOrigin: true })}) f ANTI JOIN compact_special s ON ${key('f')}`,
      ...(repeatedIn.length
        ? [
            firstOfEach(
              `SELECT f.* FROM (${ndjsonRows(repeatedIn, { withOrigin: true })}) f SEMI JOIN (SELECT * FROM compact_special WHERE NOT in_lake) s ON ${key('f')}`,
            ),
          ]
        : []),
    ];
    for (const [pass, rows] of passes.entries()) {
      const staging = join(paths.lake, `${STAGING}${at}-${index}-${pass}`);
      await engine.run(`COPY (SELECT date, ${LAKE_COLUMN_NAMES.join(', ')} FROM (${rows}))
        TO ${sqlString(staging)} (FORMAT parquet, COMPRESSION zstd, ${PARQUET_OPTIONS}, PARTITION_BY (date), FILENAME_PATTERN 'part-{i}')`);
      for (const folder of await readdir(staging).catch(() => [] as string[])) {
        await mkdir(join(paths.lakeEvents, folder), { recursive: true });
        for (const [k, name] of (await readdir(join(staging, folder))).entries()) {
          const file = join(paths.lakeEvents, folder, `part-${at}-${index}-${pass}-${k}.parquet`);
          await rename(join(staging, folder, name), file);
          result.files.push(file);
        }
      }
      await rm(staging, { recursive: true, force: true });
    }
    result.written += counts?.written ?? 0;
    await engine.run('DROP TABLE compact_keys; DROP TABLE compact_special');

    for (const part of round) {
      const read = linesOf.get(part.path) ?? 0;
      manifest.parts[part.key] = { bytes: part.bytes, rows: read, file: relative(data, join(paths.lakeEvents, `date=${part.date}`)) };
      result.read += read;
    }
    await writeManifest(paths, manifest);
    result.parts += round.length;
  }
  result.duplicates = result.read - result.written;
  return result;
}
