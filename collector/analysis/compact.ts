import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Engine } from './engine';
import { sqlString } from './engine';
import { LAKE_COLUMN_NAMES, firstOfEach, ndjsonRows } from './events';
import { isSealed, lakePaths, listLakeFiles, listParts, readManifest, writeManifest, type Part } from './lake';

const STAGING = '_staging-';

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
  const manifest = await readManifest(paths);
  const all = await listParts(paths);
  const pending = all.filter((part) => !manifest.parts[part.key]);
  const at = now();
  const sealed = pending.filter((part) => isSealed(part, all, at, sealedAfterSeconds * 1000));
  const result: CompactResult = { parts: 0, read: 0, written: 0, duplicates: 0, open: pending.length - sealed.length, files: [] };

  const rounds: Part[][] = [];
  for (const part of sealed) {
    const round = rounds.at(-1);
    if (round && round.reduce((sum, p) => sum + p.bytes, 0) + part.bytes <= roundBytes) round.push(part);
    else rounds.push([part]);
  }

  for (const [index, round] of rounds.entries()) {
    progress(`compacting ${round.length} part(s), round ${index + 1} of ${rounds.length}`);
    // Read once: the lines per part (for the manifest) and the rows, de-duplicated.
    await engine.run(`CREATE OR REPLACE TEMP TABLE compact_input AS ${ndjsonRows(round.map((p) => p.path), { withOrigin: true })}`);
    const lines = await engine.all<{ filename: string; lines: number }>(`SELECT filename, count(*)::INTEGER AS lines FROM compact_input GROUP BY filename`);
    const linesOf = new Map(lines.map((l) => [l.filename, l.lines]));
    const lakeFiles = await listLakeFiles(paths);
    const notInLake = lakeFiles.length
      ? `ANTI JOIN (SELECT source, message_id FROM read_parquet([${lakeFiles.map(sqlString).join(', ')}])) l
           ON coalesce(l.source, '') = coalesce(f.source, '') AND l.message_id = f.message_id`
      : '';
    await engine.run(`CREATE OR REPLACE TEMP TABLE compact_round AS SELECT f.* FROM (${firstOfEach('SELECT * FROM compact_input')}) f ${notInLake}`);
    await engine.run('DROP TABLE compact_input');

    // One pass writes every day of the round into a staging folder outside lake/events/, whose
    // files are then renamed into their partitions: readers never see a file being written.
    const staging = join(paths.lake, `${STAGING}${at}-${index}`);
    const rows = await engine.all<{ date: string; count: number }>(`SELECT date, count(*)::INTEGER AS count FROM compact_round GROUP BY date`);
    if (rows.length > 0) {
      await mkdir(paths.lake, { recursive: true });
      await engine.run(`COPY (SELECT date, ${LAKE_COLUMN_NAMES.join(', ')} FROM compact_round)
        TO ${sqlString(staging)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (date), FILENAME_PATTERN 'part-{i}')`);
      for (const { date, count } of rows) {
        const folder = join(paths.lakeEvents, `date=${date}`);
        await mkdir(folder, { recursive: true });
        for (const [k, name] of (await readdir(join(staging, `date=${date}`))).entries()) {
          const file = join(folder, `part-${at}-${index}-${k}.parquet`);
          await rename(join(staging, `date=${date}`, name), file);
          result.files.push(file);
        }
        result.written += count;
      }
      await rm(staging, { recursive: true, force: true });
    }
    await engine.run('DROP TABLE compact_round');

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
