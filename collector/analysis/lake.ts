import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The data folder as the analysis commands see it: the collector's NDJSON parts — its log's
 * `events/date=YYYY-MM-DD/part-<seq>.ndjson`, and the copies an NDJSON sink with a dir of its own
 * (or an earlier version) writes, `part-<startedAtMs>-<pid>-<n>.ndjson[.gz]` — and the Parquet lake
 * compacted from them (`lake/events/date=YYYY-MM-DD/*.parquet`), with the list of parts
 * already compacted in `lake/compacted.json` (outside `lake/events/`, so engines reading the
 * lake see Parquet only).
 */
export interface LakePaths {
  data: string;
  events: string;
  lake: string;
  lakeEvents: string;
  manifest: string;
  persons: string;
}

export function lakePaths(data: string): LakePaths {
  const lake = join(data, 'lake');
  return {
    data,
    events: join(data, 'events'),
    lake,
    lakeEvents: join(lake, 'events'),
    manifest: join(lake, 'compacted.json'),
    persons: join(lake, 'persons'),
  };
}

export interface Part {
  /** Relative to the data folder, with forward slashes: the manifest's key. */
  key: string;
  path: string;
  date: string;
  bytes: number;
  /**
   * Who appends to it: `log` (the collector's log, one writer across restarts, parts numbered in
   * order) or a copy sink's process (`pid:<pid>`, parts named by their start time).
   */
  writer: string;
  /** When the part was started: a copy's from its name; the log's is unknown (0). */
  startedAtMs: number;
  /** Its order among its writer's parts. */
  seq: number;
}

const LOG_PART = /^part-(\d{12})\.ndjson$/;
const COPY_PART = /^part-(\d+)-(\d+)-(\d+)\.ndjson(\.gz)?$/;

/** The NDJSON parts of the events stream, oldest first. Files not named by the sink are ignored. */
export async function listParts(paths: LakePaths): Promise<Part[]> {
  const parts: Part[] = [];
  for (const folder of (await readdir(paths.events).catch(() => [] as string[])).sort()) {
    const date = /^date=(\d{4}-\d{2}-\d{2})$/.exec(folder)?.[1];
    if (!date) continue;
    for (const name of (await readdir(join(paths.events, folder))).sort()) {
      const log = LOG_PART.exec(name);
      const copy = log ? null : COPY_PART.exec(name);
      if (!log && !copy) continue;
      const path = join(paths.events, folder, name);
      const { size } = await stat(path);
      // An empty file has nothing to read, and DuckDB's reader refuses empty gzip files.
      if (size === 0) continue;
      const key = `events/${folder}/${name}`;
      if (log) parts.push({ key, path, date, bytes: size, writer: 'log', startedAtMs: 0, seq: Number(log[1]) });
      else
        parts.push({ key, path, date, bytes: size, writer: `pid:${copy![2]}`, startedAtMs: Number(copy![1]), seq: Number(copy![1]) * 1e4 + Number(copy![3]) });
    }
  }
  return parts.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.seq - b.seq));
}

/**
 * Whether the collector may still append to a part. Each writer appends only to its newest part,
 * and starts a new one when the UTC date changes (and the log at each start): a part is sealed when
 * its writer has started a later one or its date is past — or, for the log, when no collector holds
 * the data folder (`logRunning` false). A copy sink also starts a new part once one is older than
 * its `rotateSeconds` (an hour by default).
 */
export function isSealed(part: Part, all: readonly Part[], now: number, sealedAfterMs: number, logRunning = true): boolean {
  if (part.date < new Date(now).toISOString().slice(0, 10)) return true;
  if (part.writer === 'log' ? !logRunning : now - part.startedAtMs >= sealedAfterMs) return true;
  return all.some((other) => other.writer === part.writer && other.seq > part.seq);
}

/** The lake's layout: 2 added `person_key`; a lake of version 1 is rebuilt by `compact`. */
export const LAKE_VERSION = 2;

export interface Manifest {
  version: typeof LAKE_VERSION;
  /** Part key → what became of it. */
  parts: Record<string, { bytes: number; rows: number; file: string }>;
}

/** A lake written by an earlier version: its files lack columns the commands read. */
export class OutdatedLakeError extends Error {}

export async function readManifest(paths: LakePaths): Promise<Manifest> {
  if (!existsSync(paths.manifest)) return { version: LAKE_VERSION, parts: {} };
  const manifest = JSON.parse(await readFile(paths.manifest, 'utf8')) as { version?: unknown; parts?: unknown };
  if (manifest.version === 1)
    throw new OutdatedLakeError(`${paths.lake} was written by an earlier version: run \`touchpoint compact\` to rebuild it from the NDJSON parts`);
  if (manifest.version !== LAKE_VERSION || typeof manifest.parts !== 'object' || manifest.parts === null)
    throw new Error(`${paths.manifest} is not a compaction manifest this version reads`);
  return manifest as Manifest;
}

/** Written to a temporary file and renamed: a crash leaves the old manifest or the new, never half. */
export async function writeManifest(paths: LakePaths, manifest: Manifest): Promise<void> {
  await mkdir(paths.lake, { recursive: true });
  const temporary = `${paths.manifest}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(manifest, null, 1));
  await rename(temporary, paths.manifest);
}

/** The lake's Parquet files (what a finished compaction renamed into place). */
export async function listLakeFiles(paths: LakePaths): Promise<string[]> {
  const files: string[] = [];
  for (const folder of (await readdir(paths.lakeEvents).catch(() => [] as string[])).sort()) {
    if (!folder.startsWith('date=')) continue;
    for (const name of (await readdir(join(paths.lakeEvents, folder))).sort()) {
      if (name.endsWith('.parquet')) files.push(join(paths.lakeEvents, folder, name));
    }
  }
  return files;
}
