import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The data folder as the analysis commands see it: the collector's NDJSON parts
 * (`events/date=YYYY-MM-DD/part-<startedAtMs>-<pid>-<n>.ndjson[.gz]`) and the Parquet lake
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
  startedAtMs: number;
  pid: number;
  n: number;
}

const PART = /^part-(\d+)-(\d+)-(\d+)\.ndjson(\.gz)?$/;

/** The NDJSON parts of the events stream, oldest first. Files not named by the sink are ignored. */
export async function listParts(paths: LakePaths): Promise<Part[]> {
  const parts: Part[] = [];
  for (const folder of (await readdir(paths.events).catch(() => [] as string[])).sort()) {
    const date = /^date=(\d{4}-\d{2}-\d{2})$/.exec(folder)?.[1];
    if (!date) continue;
    for (const name of (await readdir(join(paths.events, folder))).sort()) {
      const match = PART.exec(name);
      if (!match) continue;
      const path = join(paths.events, folder, name);
      const { size } = await stat(path);
      // An empty file has nothing to read, and DuckDB's reader refuses empty gzip files.
      if (size === 0) continue;
      parts.push({ key: `events/${folder}/${name}`, path, date, bytes: size, startedAtMs: Number(match[1]), pid: Number(match[2]), n: Number(match[3]) });
    }
  }
  return parts.sort((a, b) => a.startedAtMs - b.startedAtMs || a.n - b.n);
}

/**
 * Whether the collector may still append to a part. The NDJSON sink writes only to the newest
 * part of its process, and opens a new one when the UTC date changes or the part is older than
 * its `rotateSeconds` (an hour by default): a part is sealed when its process has started a later
 * one, its date is past, or it was opened longer ago than that.
 */
export function isSealed(part: Part, all: readonly Part[], now: number, sealedAfterMs: number): boolean {
  if (part.date < new Date(now).toISOString().slice(0, 10)) return true;
  if (now - part.startedAtMs >= sealedAfterMs) return true;
  return all.some((other) => other.pid === part.pid && other !== part && (other.startedAtMs > part.startedAtMs || (other.startedAtMs === part.startedAtMs && other.n > part.n)));
}

export interface Manifest {
  version: 1;
  /** Part key → what became of it. */
  parts: Record<string, { bytes: number; rows: number; file: string }>;
}

export async function readManifest(paths: LakePaths): Promise<Manifest> {
  if (!existsSync(paths.manifest)) return { version: 1, parts: {} };
  const manifest = JSON.parse(await readFile(paths.manifest, 'utf8')) as Manifest;
  if (manifest.version !== 1 || typeof manifest.parts !== 'object') throw new Error(`${paths.manifest} is not a compaction manifest this version reads`);
  return manifest;
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
