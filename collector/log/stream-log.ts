import { constants } from 'node:fs';
import { mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { countLines } from '../records';
import { intactLength } from './recover';

/** A place in a stream's log: a part (by its sequence number) and a byte offset in it. */
export interface Position {
  seq: number;
  offset: number;
}

export const comparePositions = (a: Position, b: Position) => a.seq - b.seq || a.offset - b.offset;

export interface StreamLogOptions {
  /** The stream's folder: parts go to `<dir>/date=YYYY-MM-DD/part-<seq>.ndjson`. */
  dir: string;
  /** Start a new part past this size... */
  rotateBytes: number;
  /** ...or this age (and at each UTC midnight). */
  rotateSeconds: number;
  /** Each group of appends is on disk (O_DSYNC) before it resolves (off only for benchmarks and tests). */
  fsync: boolean;
  /** The newest lines are kept in memory up to this size too, so consumers that keep up read no disk. */
  tailBytes?: number;
  now?: () => number;
}

export interface Part {
  seq: number;
  /** The UTC day it holds, from its folder. */
  date: string;
  path: string;
  size: number;
}

export interface ReadResult {
  /** Whole NDJSON lines, `count` of them. */
  lines: Buffer;
  count: number;
  /** Where the next read starts. */
  next: Position;
}

interface Pending {
  lines: Buffer;
  resolve: (end: Position) => void;
  reject: (error: unknown) => void;
}

const PART = /^part-(\d{12})\.ndjson$/;
const DAY = /^date=(\d{4}-\d{2}-\d{2})$/;
const partName = (seq: number) => `part-${String(seq).padStart(12, '0')}.ndjson`;
const NOTHING = Buffer.alloc(0);

/**
 * One stream's durable log: NDJSON part files in day partitions, the same files the user reads.
 * Appends that arrive while a write is in flight are written together in one synchronous write
 * (group commit), at an explicit position: a file is never opened O_APPEND, so a write always lands
 * where the log says its end is. A failed write is cut back before anything else is written; if
 * that cannot be done, appends fail until it can. Each start writes to a new part; the previous
 * last part is cut back to its intact lines first.
 */
export async function openStreamLog({ dir, rotateBytes, rotateSeconds, fsync, tailBytes = 4 * 1024 * 1024, now = Date.now }: StreamLogOptions) {
  await mkdir(dir, { recursive: true });
  const parts: Part[] = [];
  for (const day of await readdir(dir)) {
    const date = DAY.exec(day)?.[1];
    if (!date) continue;
    for (const name of await readdir(join(dir, day))) {
      const seq = PART.exec(name)?.[1];
      if (seq === undefined) continue;
      const path = join(dir, day, name);
      parts.push({ seq: Number(seq), date, path, size: (await stat(path)).size });
    }
  }
  parts.sort((a, b) => a.seq - b.seq);
  const last = parts.at(-1);
  if (last && last.size > 0) {
    const handle = await open(last.path, constants.O_RDWR);
    try {
      const intact = await intactLength(handle, last.size);
      if (intact !== last.size) {
        await handle.truncate(intact).catch((error: Error) => {
          throw new Error(`cannot cut the torn end of ${last.path} (${error.message}): the log refuses to write after it`);
        });
        last.size = intact;
      }
    } finally {
      await handle.close();
    }
  }

  let current: (Part & { handle: FileHandle; openedAt: number }) | undefined;
  /** Set when a failed write could not be cut back: nothing is written after torn bytes. */
  let broken: Error | undefined;
  let pending: Pending[] = [];
  let writing: Promise<void> | undefined;
  // What this process appended, for the average size of a line (a sink's backlog in events).
  let appendedBytes = 0;
  let appendedLines = 0;
  let closed = false;
  const waiters = new Set<() => void>();
  const readers = new Map<number, Promise<FileHandle>>();
  // The newest lines, as written, oldest first from `tailStart`: [part seq, offset, lines].
  const tail: { seq: number; offset: number; lines: Buffer }[] = [];
  let tailStart = 0;
  let tailSize = 0;

  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const endOf = (): Position => (current ? { seq: current.seq, offset: current.size } : last ? { seq: last.seq, offset: last.size } : { seq: 0, offset: 0 });

  async function newPart(): Promise<NonNullable<typeof current>> {
    const t = now();
    const seq = (parts.at(-1)?.seq ?? 0) + 1;
    const date = day(t);
    await mkdir(join(dir, `date=${date}`), { recursive: true });
    const path = join(dir, `date=${date}`, partName(seq));
    const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (fsync ? constants.O_DSYNC : 0));
    const part = { seq, date, path, size: 0, handle, openedAt: t };
    parts.push(part);
    return part;
  }

  async function partToWrite() {
    const t = now();
    if (current && current.size < rotateBytes && t - current.openedAt < rotateSeconds * 1000 && day(t) === current.date) return current;
    await current?.handle.close();
    current = await newPart();
    return current;
  }

  async function drain() {
    while (pending.length > 0) {
      const group = pending;
      pending = [];
      try {
        if (broken) {
          await current!.handle.truncate(current!.size).catch((error: Error) => {
            throw (broken = error);
          });
          broken = undefined;
        }
        const part = await partToWrite();
        const start = part.size;
        const buffers = group.map((p) => p.lines);
        const length = buffers.reduce((sum, b) => sum + b.length, 0);
        const { bytesWritten } = await part.handle.writev(buffers, start);
        // A full disk first shows as a short write, not an error.
        if (bytesWritten !== length) throw Object.assign(new Error('no space left on the data disk'), { code: 'ENOSPC' });
        part.size += length;
        appendedBytes += length;
        for (const p of group) appendedLines += countLines(p.lines);
        let offset = start;
        for (const p of group) {
          remember(part.seq, offset, p.lines);
          offset += p.lines.length;
          p.resolve({ seq: part.seq, offset });
        }
        for (const wake of waiters) wake();
        waiters.clear();
      } catch (error) {
        // Cut back to what was durable, so a partial write never precedes later lines.
        if (current && error !== broken)
          await current.handle.truncate(current.size).then(
            () => (broken = undefined),
            (e: Error) => (broken = e),
          );
        for (const p of group) p.reject(broken ? new Error(`the log cannot cut back a failed write: ${broken.message}`, { cause: error }) : error);
      }
    }
    writing = undefined;
  }

  function remember(seq: number, offset: number, lines: Buffer) {
    tail.push({ seq, offset, lines });
    tailSize += lines.length;
    while (tailSize > tailBytes && tail.length - tailStart > 1) tailSize -= tail[tailStart++]!.lines.length;
    // Dropped from the front in bulk: shifting an array one entry at a time costs its length each time.
    if (tailStart > 1024) {
      tail.splice(0, tailStart);
      tailStart = 0;
    }
  }

  /** Lines from `from` out of memory, or undefined when they are not all there. */
  function fromTail(from: Position, maxBytes: number): ReadResult | undefined {
    // Consumers that keep up read near the end: look from there.
    let i = tail.length - 1;
    while (i >= tailStart && !(tail[i]!.seq === from.seq && tail[i]!.offset <= from.offset && from.offset < tail[i]!.offset + tail[i]!.lines.length)) i--;
    if (i < tailStart) return undefined;
    const chunks: Buffer[] = [tail[i]!.lines.subarray(from.offset - tail[i]!.offset)];
    let size = chunks[0]!.length;
    let next = { seq: from.seq, offset: tail[i]!.offset + tail[i]!.lines.length };
    while (size < maxBytes && ++i < tail.length && tail[i]!.seq === from.seq && tail[i]!.offset === next.offset) {
      chunks.push(tail[i]!.lines);
      size += tail[i]!.lines.length;
      next = { seq: from.seq, offset: next.offset + tail[i]!.lines.length };
    }
    const lines = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    return { lines, count: countLines(lines), next };
  }

  const reader = (part: Part) => {
    let handle = readers.get(part.seq);
    if (!handle) {
      handle = open(part.path, 'r');
      readers.set(part.seq, handle);
      handle.catch(() => readers.delete(part.seq));
    }
    return handle;
  };

  return {
    /** Resolves once the lines are on disk, with the position just after them. The buffer must not change after. */
    append(lines: Buffer): Promise<Position> {
      if (closed) return Promise.reject(new Error('the log is closed'));
      return new Promise((resolve, reject) => {
        pending.push({ lines, resolve, reject });
        writing ??= drain();
      });
    },

    /** Whole lines from `from`, about `maxBytes` of them (at least one line when there is one). */
    async read(from: Position, maxBytes: number): Promise<ReadResult> {
      const recent = fromTail(from, maxBytes);
      if (recent) return recent;
      let at = from;
      for (;;) {
        const part = parts.find((p) => p.seq >= at.seq);
        if (!part) return { lines: NOTHING, count: 0, next: at };
        if (part.seq > at.seq) at = { seq: part.seq, offset: 0 };
        if (at.offset < part.size) {
          const handle = await reader(part);
          let length = Math.min(maxBytes, part.size - at.offset);
          for (let grown = false; ; grown = true) {
            const buffer = Buffer.allocUnsafe(length);
            const { bytesRead } = await handle.read(buffer, 0, length, at.offset);
            // Within the budget, every whole line; past it (one long line), that line alone.
            const end = (grown ? buffer.subarray(0, bytesRead).indexOf(0x0a) : buffer.lastIndexOf(0x0a, bytesRead - 1)) + 1;
            if (end > 0) {
              const lines = buffer.subarray(0, end);
              return { lines, count: countLines(lines), next: { seq: part.seq, offset: at.offset + end } };
            }
            // A line longer than the budget: read on until it ends.
            if (at.offset + length >= part.size) return { lines: NOTHING, count: 0, next: at };
            length = Math.min(length * 2, part.size - at.offset);
          }
        }
        if (part === current || part === parts.at(-1)) return { lines: NOTHING, count: 0, next: at };
        at = { seq: part.seq + 1, offset: 0 };
      }
    },

    /** Resolves when lines are appended after `from`, at once if there are some. */
    waitForData(from: Position): Promise<void> {
      if (comparePositions(endOf(), from) > 0 || closed) return Promise.resolve();
      return new Promise((resolve) => waiters.add(resolve));
    },

    end: endOf,

    /** The average size of a line this process appended (1 KB before the first). */
    averageLineBytes: () => (appendedLines > 0 ? appendedBytes / appendedLines : 1024),

    /** Bytes held from `from` to the end. */
    bytesFrom(from: Position): number {
      let total = 0;
      for (const part of parts) {
        if (part.seq > from.seq) total += part.size;
        else if (part.seq === from.seq) total += Math.max(0, part.size - from.offset);
      }
      return total;
    },

    /** The parts, oldest first (the one being written last). */
    parts: (): readonly Part[] => parts,

    /** Deletes a part no consumer needs any more (never the one being written). */
    async drop(seq: number) {
      const index = parts.findIndex((p) => p.seq === seq);
      if (index === -1 || parts[index] === current) return;
      const [part] = parts.splice(index, 1);
      const handle = readers.get(seq);
      readers.delete(seq);
      await handle?.then((h) => h.close()).catch(() => {});
      await rm(part!.path, { force: true });
    },

    async close() {
      closed = true;
      await writing;
      for (const wake of waiters) wake();
      await Promise.all([...readers.values()].map((h) => h.then((x) => x.close()).catch(() => {})));
      await current?.handle.close();
    },
  };
}

export type StreamLog = Awaited<ReturnType<typeof openStreamLog>>;
