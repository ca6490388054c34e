import { constants } from 'node:fs';
import { mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/** A place in the log: segment number and byte offset in it. */
export interface Position {
  segment: number;
  offset: number;
}

export interface LogRecord {
  position: Position;
  /** Where the next record starts. */
  next: Position;
  payload: Buffer;
}

export interface SegmentLogOptions {
  dir: string;
  /** Start a new segment file past this size. */
  segmentBytes?: number;
  /** Each group of appends is on disk (O_DSYNC) before they resolve (off only for benchmarks and tests). */
  fsync?: boolean;
  /** The newest records are kept in memory up to this size too, so pumps that keep up read no disk. */
  tailBytes?: number;
}

const HEADER = 8; // u32 length + u32 crc32
const NAME = /^segment-(\d{12})\.log$/;
const fileName = (segment: number) => `segment-${String(segment).padStart(12, '0')}.log`;
export const comparePositions = (a: Position, b: Position) => a.segment - b.segment || a.offset - b.offset;

interface Pending {
  header: Buffer;
  payload: Buffer;
  resolve: (p: { position: Position; next: Position }) => void;
  reject: (e: unknown) => void;
}

/**
 * An append-only log of length-prefixed, checksummed records in numbered segment files. Appends
 * that arrive while a write is in flight are written and fsynced together (group commit): one
 * synchronous write serves every request waiting. On open, a torn record at the end of the last segment
 * (a crash mid-write) is cut off; everything acknowledged before it is intact.
 */
export async function openSegmentLog({ dir, segmentBytes = 16 * 1024 * 1024, fsync = true, tailBytes = 4 * 1024 * 1024 }: SegmentLogOptions) {
  await mkdir(dir, { recursive: true });
  const segments = (await readdir(dir)).map((f) => NAME.exec(f)).filter((m) => m !== null).map((m) => Number(m[1])).sort((a, b) => a - b);
  const sizes = new Map<number, number>();
  for (const segment of segments) sizes.set(segment, (await stat(join(dir, fileName(segment)))).size);

  // With O_DSYNC each write returns once it is on disk: one call to the thread pool per group
  // instead of a write and an fdatasync (each hand-off costs the main thread on a small machine).
  const appendFlags = constants.O_RDWR | constants.O_CREAT | constants.O_APPEND | (fsync ? constants.O_DSYNC : 0);
  let current = segments.at(-1) ?? 1;
  let handle = await open(join(dir, fileName(current)), appendFlags);
  let size = await validLength(handle);
  if (size !== (sizes.get(current) ?? 0)) await handle.truncate(size);
  sizes.set(current, size);

  let pending: Pending[] = [];
  let writing: Promise<void> | undefined;
  let closed = false;
  let groups = 0;
  const waiters = new Set<() => void>();
  // One read handle per segment, shared by the pumps (positional reads), closed when it is dropped.
  const readers = new Map<number, Promise<FileHandle>>();
  const reader = (segment: number) => {
    let handle = readers.get(segment);
    if (!handle) {
      handle = open(join(dir, fileName(segment)), 'r');
      readers.set(segment, handle);
      handle.catch(() => readers.delete(segment));
    }
    return handle;
  };
  // The newest durable records, oldest first, as a pump would read them back from disk.
  const tail: LogRecord[] = [];
  let tailStart = 0;
  let tailSize = 0;
  const remember = (record: LogRecord) => {
    tail.push(record);
    tailSize += HEADER + record.payload.length;
    while (tailSize > tailBytes && tailStart < tail.length) tailSize -= HEADER + tail[tailStart++]!.payload.length;
    if (tailStart > 1024) {
      tail.splice(0, tailStart);
      tailStart = 0;
    }
  };
  /** Records from `from` out of memory, or undefined if `from` is not in the tail. */
  const fromTail = (from: Position, maxBytes: number): LogRecord[] | undefined => {
    let lo = tailStart;
    let hi = tail.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePositions(tail[mid]!.position, from) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo === tail.length) return comparePositions(from, { segment: current, offset: size }) === 0 && lo > tailStart ? [] : undefined;
    const starts = comparePositions(tail[lo]!.position, from) === 0 || (lo > tailStart && comparePositions(tail[lo - 1]!.next, from) === 0);
    if (!starts) return undefined;
    const records: LogRecord[] = [];
    let budget = maxBytes;
    for (let i = lo; i < tail.length && (budget > 0 || records.length === 0); i++) {
      records.push(tail[i]!);
      budget -= HEADER + tail[i]!.payload.length;
    }
    return records;
  };
  const closeReader = async (segment: number) => {
    const handle = readers.get(segment);
    readers.delete(segment);
    await handle?.then((h) => h.close()).catch(() => {});
  };

  async function drain() {
    while (pending.length > 0) {
      const group = pending;
      pending = [];
      try {
        if (size >= segmentBytes) {
          await handle.close();
          current++;
          handle = await open(join(dir, fileName(current)), appendFlags);
          size = 0;
        }
        const start = size;
        // Headers and payloads go out as they are, gathered by one writev: nothing is copied.
        const buffers = group.flatMap((p) => [p.header, p.payload]);
        const length = buffers.reduce((sum, b) => sum + b.length, 0);
        const { bytesWritten } = await handle.writev(buffers, start);
        // A full disk first shows as a short write, not an error.
        if (bytesWritten !== length) throw Object.assign(new Error('no space left on the spool disk'), { code: 'ENOSPC' });
        groups++;
        size += length;
        sizes.set(current, size);
        let offset = start;
        for (const p of group) {
          const position = { segment: current, offset };
          offset += HEADER + p.payload.length;
          const next = { segment: current, offset };
          remember({ position, next, payload: p.payload });
          p.resolve({ position, next });
        }
        for (const wake of waiters) wake();
        waiters.clear();
      } catch (error) {
        // Cut back to what was durable, so a partial write never precedes later records.
        await handle.truncate(size).catch(() => {});
        for (const p of group) p.reject(error);
      }
    }
    writing = undefined;
  }

  return {
    /** Resolves once the record is on disk, with its position. The payload must not change after. */
    append(payload: Buffer): Promise<{ position: Position; next: Position }> {
      if (closed) return Promise.reject(new Error('spool is closed'));
      const header = Buffer.allocUnsafe(HEADER);
      header.writeUInt32BE(payload.length, 0);
      header.writeUInt32BE(crc32(payload), 4);
      return new Promise((resolve, reject) => {
        pending.push({ header, payload, resolve, reject });
        writing ??= drain();
      });
    },

    /** Durable records from `from`, up to about `maxBytes`, crossing into later segments as needed. */
    async read(from: Position, maxBytes: number): Promise<LogRecord[]> {
      const recent = fromTail(from, maxBytes);
      if (recent) return recent;
      const records: LogRecord[] = [];
      let at = from;
      let budget = maxBytes;
      while (budget > 0) {
        const end = sizes.get(at.segment);
        if (end === undefined) {
          const later = [...sizes.keys()].filter((s) => s > at.segment).sort((a, b) => a - b)[0];
          if (later === undefined) break;
          at = { segment: later, offset: 0 };
          continue;
        }
        if (at.offset >= end) {
          if (at.segment >= current) break;
          at = { segment: at.segment + 1, offset: 0 };
          continue;
        }
        const length = Math.min(end - at.offset, Math.max(budget, HEADER));
        const buffer = Buffer.allocUnsafe(length);
        const { bytesRead } = await (await reader(at.segment)).read(buffer, 0, length, at.offset);
        if (bytesRead !== length) throw new Error(`spool segment ${at.segment} is shorter than recorded`);
        let offset = 0;
        while (offset + HEADER <= length) {
          const size = buffer.readUInt32BE(offset);
          if (offset + HEADER + size > length) break;
          const payload = buffer.subarray(offset + HEADER, offset + HEADER + size);
          const position = { segment: at.segment, offset: at.offset + offset };
          offset += HEADER + size;
          records.push({ position, next: { segment: at.segment, offset: at.offset + offset }, payload });
          budget -= HEADER + size;
        }
        if (offset === 0) {
          // A record larger than the budget: read exactly it.
          const size = buffer.readUInt32BE(0);
          if (at.offset + HEADER + size > end) throw new Error(`spool segment ${at.segment} is corrupt at ${at.offset}`);
          budget = HEADER + size;
          continue;
        }
        at = { segment: at.segment, offset: at.offset + offset };
      }
      return records;
    },

    /** Resolves when a record is appended after `from`, at once if there is one already. */
    waitForData(from: Position): Promise<void> {
      if (this.bytesFrom(from) > 0 || closed) return Promise.resolve();
      return new Promise((resolve) => waiters.add(resolve));
    },

    end: (): Position => ({ segment: current, offset: size }),

    /** How many write + fsync rounds served the appends so far (group commit makes it far fewer). */
    groupCommits: () => groups,

    /** Bytes held from `from` to the end. */
    bytesFrom(from: Position): number {
      let total = 0;
      for (const [segment, bytes] of sizes) {
        if (segment > from.segment) total += bytes;
        else if (segment === from.segment) total += Math.max(0, bytes - from.offset);
      }
      return total;
    },

    /** Deletes whole segments every reader has finished. */
    async dropBefore(position: Position) {
      for (const segment of [...sizes.keys()]) {
        if (segment < position.segment && segment !== current) {
          sizes.delete(segment);
          await closeReader(segment);
          await rm(join(dir, fileName(segment)), { force: true });
        }
      }
    },

    async close() {
      closed = true;
      await writing;
      for (const wake of waiters) wake();
      await Promise.all([...readers.keys()].map(closeReader));
      await handle.close();
    },
  };
}

export type SegmentLog = Awaited<ReturnType<typeof openSegmentLog>>;

/** Length of the valid prefix: whole records whose checksums match. */
async function validLength(handle: FileHandle): Promise<number> {
  const { size } = await handle.stat();
  const header = Buffer.alloc(HEADER);
  let offset = 0;
  while (offset + HEADER <= size) {
    await handle.read(header, 0, HEADER, offset);
    const length = header.readUInt32BE(0);
    if (offset + HEADER + length > size) break;
    const payload = Buffer.alloc(length);
    await handle.read(payload, 0, length, offset + HEADER);
    if (crc32(payload) !== header.readUInt32BE(4)) break;
    offset += HEADER + length;
  }
  return offset;
}
