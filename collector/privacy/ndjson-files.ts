import { open, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { STREAMS } from '../records';
import { matchRecord, prefilter, type Person, type RecordMatch } from './person';

/** An NDJSON file of the data folder that holds records: a stream's part, or a sink's dead letters. */
export interface StoredFile {
  /** `events`, `failed`, `bots`, or `deadletter/<sink>`. */
  stream: string;
  path: string;
}

/** The data folder's NDJSON files, and the gzip ones (which cannot be rewritten in place). */
export async function storedFiles(dataDir: string): Promise<{ files: StoredFile[]; compressed: string[] }> {
  const files: StoredFile[] = [];
  const compressed: string[] = [];
  const walk = async (dir: string, stream: string) => {
    for (const name of (await readdir(dir, { recursive: true }).catch(() => [] as string[])).sort()) {
      if (/\.ndjson(\.replayed)?$/.test(name)) files.push({ stream, path: join(dir, name) });
      else if (name.endsWith('.ndjson.gz')) compressed.push(join(dir, name));
    }
  };
  for (const stream of STREAMS) await walk(join(dataDir, stream), stream);
  for (const sink of (await readdir(join(dataDir, 'deadletter')).catch(() => [] as string[])).sort())
    await walk(join(dataDir, 'deadletter', sink), `deadletter/${sink}`);
  return { files, compressed: compressed.map((p) => relative(dataDir, p)) };
}

const CHUNK = 4 * 1024 * 1024;

/**
 * Calls `visit` with each whole line of a file (without its newline) and its byte offset, up to
 * the file's size when it is opened: a collector appending meanwhile only adds lines after it.
 */
export async function forEachLine(path: string, visit: (line: Buffer, offset: number) => void): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    let carry = Buffer.alloc(0);
    for (let position = 0; position < size;) {
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, size - position));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      const chunk = carry.length ? Buffer.concat([carry, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
      const chunkStart = position - carry.length;
      let start = 0;
      for (let end = chunk.indexOf(0x0a); end !== -1; start = end + 1, end = chunk.indexOf(0x0a, start)) visit(chunk.subarray(start, end), chunkStart + start);
      // Copied: the rest of the chunk is reused memory once the next one is read.
      carry = Buffer.from(chunk.subarray(start));
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/** Each of the person's records in a file: where, how long, and by which identifier it matched. */
export async function findRecords(path: string, person: Person, found: (match: RecordMatch & { offset: number; line: Buffer }) => void): Promise<void> {
  const mayHold = prefilter(person);
  await forEachLine(path, (line, offset) => {
    if (!mayHold(line)) return;
    let record: unknown;
    try {
      record = JSON.parse(line.toString('utf8'));
    } catch {
      return; // a torn line: nothing acknowledged, nobody's record
    }
    const match = matchRecord(record, person);
    if (match) found({ ...match, offset, line: Buffer.from(line) });
  });
}

/**
 * Overwrites the person's lines with as many spaces, newline kept, by positional writes on a
 * descriptor of its own: every other line keeps its bytes and offsets, so the log's cursors stay
 * valid and a collector appending to the same file is not disturbed. Each line is read back
 * first and left alone if it is not what was found. Returns how many lines were taken out.
 */
export async function blankRecords(path: string, person: Person): Promise<number> {
  const lines: { offset: number; line: Buffer }[] = [];
  await findRecords(path, person, ({ offset, line }) => lines.push({ offset, line }));
  if (lines.length === 0) return 0;
  const handle = await open(path, 'r+');
  let blanked = 0;
  try {
    for (const { offset, line } of lines) {
      const now = Buffer.alloc(line.length);
      await handle.read(now, 0, line.length, offset);
      if (!now.equals(line)) continue;
      await handle.write(Buffer.alloc(line.length, 0x20), 0, line.length, offset);
      blanked++;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return blanked;
}
