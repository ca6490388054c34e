import { constants } from 'node:fs';
import { access, mkdir, open, readdir, stat, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Sink } from '../records/sink';

const gzip = promisify(gzipCallback);

export interface NdjsonSinkOptions {
  /** Folder that receives `date=YYYY-MM-DD/part-<startedAtMs>-<pid>.ndjson` files. */
  dir: string;
  /** Writes are synchronous to disk (O_DSYNC) before they resolve, so an acknowledged event survives a power cut. */
  fsync?: boolean;
  /** Start a new part file past this size... */
  rotateBytes?: number;
  /** ...or this age. */
  rotateSeconds?: number;
  /** Write `.ndjson.gz` files (one gzip member per write, which gzip readers concatenate). */
  gzip?: boolean;
  now?: () => Date;
}

/** The NDJSON sink takes lines as they are, from the log's batches or from anyone (dead letters). */
export type NdjsonSink = Sink & { writeLines(lines: Buffer): Promise<void> };

interface PendingWrite {
  lines: Buffer;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * One JSON object per line, partitioned by UTC date (a layout DuckDB and Spark read directly).
 * Concurrent writes are coalesced: one synchronous append serves every request waiting
 * (group commit), and each `write` resolves only once its lines are on disk.
 */
export function createNdjsonSink({
  dir,
  fsync = true,
  rotateBytes = 128 * 1024 * 1024,
  rotateSeconds = 3600,
  gzip: compress = false,
  now = () => new Date(),
}: NdjsonSinkOptions): NdjsonSink {
  let pending: PendingWrite[] = [];
  let draining: Promise<void> | undefined;
  let file: { date: string; handle: FileHandle; bytes: number; openedAt: number } | undefined;
  let part = 0;
  let closed = false;
  let repaired: Promise<void> | undefined;

  async function currentFile(): Promise<NonNullable<typeof file>> {
    const at = now();
    const date = at.toISOString().slice(0, 10);
    if (file && file.date === date && file.bytes < rotateBytes && at.getTime() - file.openedAt < rotateSeconds * 1000) return file;
    await file?.handle.close();
    file = undefined;
    const folder = join(dir, `date=${date}`);
    await mkdir(folder, { recursive: true });
    const name = `part-${at.getTime()}-${process.pid}-${part++}.ndjson${compress ? '.gz' : ''}`;
    // O_DSYNC: the append returns once on disk, one hand-off to the thread pool instead of two.
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | (fsync ? constants.O_DSYNC : 0);
    file = { date, handle: await open(join(folder, name), flags), bytes: 0, openedAt: at.getTime() };
    return file;
  }

  async function drain(): Promise<void> {
    while (pending.length > 0) {
      const group = pending;
      pending = [];
      try {
        repaired ??= repairTornLines(dir);
        await repaired;
        const target = await currentFile();
        const text = group.length === 1 ? group[0]!.lines : Buffer.concat(group.map((w) => w.lines));
        const data = compress ? await gzip(text) : text;
        await target.handle.appendFile(data);
        target.bytes += data.length;
        for (const w of group) w.resolve();
      } catch (error) {
        // The file may now end in a partial line: start a fresh part file for what comes next.
        await file?.handle.close().catch(() => {});
        file = undefined;
        for (const w of group) w.reject(error);
      }
    }
    draining = undefined;
  }

  function writeLines(lines: Buffer): Promise<void> {
    if (closed) return Promise.reject(new Error('ndjson sink is closed'));
    if (lines.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      pending.push({ lines, resolve, reject });
      draining ??= drain();
    });
  }

  return {
    write: (batch) => writeLines(batch.lines),
    writeLines,
    async flush() {
      await draining;
    },
    async ready() {
      try {
        await mkdir(dir, { recursive: true });
        await access(dir, constants.W_OK);
        return !closed;
      } catch {
        return false;
      }
    },
    async close() {
      closed = true;
      await draining;
      await file?.handle.close();
      file = undefined;
    },
  };
}

/**
 * A process killed mid-append leaves a partial last line in its part file (the log re-delivers
 * those events, so nothing is lost). Before writing, cut such tails back to the last newline in
 * the two newest date partitions, so every file stays valid NDJSON for DuckDB and Spark.
 */
async function repairTornLines(dir: string): Promise<void> {
  const partitions = (await readdir(dir).catch(() => [] as string[]))
    .filter((d) => d.startsWith('date='))
    .sort()
    .slice(-2);
  for (const partition of partitions) {
    for (const name of await readdir(join(dir, partition))) {
      if (!name.endsWith('.ndjson')) continue;
      const path = join(dir, partition, name);
      const { size } = await stat(path);
      if (size === 0) continue;
      const file = await open(path, 'r');
      try {
        const tail = Buffer.alloc(Math.min(size, 64 * 1024));
        await file.read(tail, 0, tail.length, size - tail.length);
        if (tail[tail.length - 1] === 0x0a) continue;
        const lastNewline = tail.lastIndexOf(0x0a);
        // A line longer than the window cannot be repaired here; leave it rather than guess.
        if (lastNewline === -1 && tail.length < size) continue;
        await truncate(path, size - tail.length + lastNewline + 1);
      } finally {
        await file.close();
      }
    }
  }
}
