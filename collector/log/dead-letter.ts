import { readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { splitLines, type StreamName } from '../records';
import { batchOf, EventsRefusedError, type Sink } from '../records/sink';

/** Where refused records are set aside: an NDJSON writer (the dead-letter streams are NDJSON files). */
export interface DeadLetterWriter {
  writeLines(lines: Buffer, count: number): Promise<void>;
  close(): Promise<void>;
}

/** A record a sink refused, and why. */
export interface Refusal {
  line: Buffer;
  reason: string;
}

/** One line of a dead-letter stream: when, which sink and stream, the store's reason, the record. */
export interface DeadLetter {
  at: string;
  sink: string;
  stream: StreamName;
  reason: string;
  event: unknown;
}

const NEWLINE = Buffer.from('\n');
const joinLines = (parts: Buffer[]) => Buffer.concat(parts.flatMap((p) => [p, NEWLINE]));

export interface WriteOptions {
  /** Names the sink in errors. */
  name: string;
  /** A write that takes longer counts as failed (a stalled sink must not hold its consumer forever). */
  timeoutMs: number;
  /** Whether refused records may be set apart (a dead-letter stream exists); else a refusal is thrown. */
  split: boolean;
}

/** One write to the sink, bounded in time; what it left out, by line. */
async function attempt(sink: Sink, stream: StreamName, lines: Buffer, count: number, { name, timeoutMs }: WriteOptions): Promise<Refusal[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`sink ${name} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const outcome = await Promise.race([sink.write(batchOf(stream, lines, count)), timeout]);
    if (!outcome || outcome.refused.length === 0) return [];
    const parts = splitLines(lines);
    return outcome.refused.map(({ index, reason }) => ({ line: parts[index]!, reason }));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Writes NDJSON lines to a sink; when the store refuses the write for what a record holds, halves
 * the batch until the refused records stand alone (log2 of the batch in extra writes per bad
 * record), and returns them. Any other failure is thrown, for the whole batch to be retried: what
 * was written already is written again, which the sinks absorb by source and messageId.
 */
export async function writeAroundRefusals(sink: Sink, stream: StreamName, lines: Buffer, count: number, options: WriteOptions): Promise<Refusal[]> {
  try {
    return await attempt(sink, stream, lines, count, options);
  } catch (error) {
    if (!(error instanceof EventsRefusedError) || !options.split) throw error;
    const parts = splitLines(lines);
    if (parts.length === 1) return [{ line: parts[0]!, reason: error.message }];
    const half = parts.length >> 1;
    return [
      ...(await writeAroundRefusals(sink, stream, joinLines(parts.slice(0, half)), half, options)),
      ...(await writeAroundRefusals(sink, stream, joinLines(parts.slice(half)), parts.length - half, options)),
    ];
  }
}

/** The dead-letter lines for refused records: the record's own line spliced in, not re-serialised. */
export function deadLetterLines(refused: readonly Refusal[], sink: string, stream: StreamName, at = new Date()): Buffer {
  const head = `{"at":${JSON.stringify(at.toISOString())},"sink":${JSON.stringify(sink)},"stream":"${stream}","reason":`;
  return Buffer.from(refused.map(({ line, reason }) => `${head}${JSON.stringify(reason.slice(0, 1000))},"event":${line.toString('utf8')}}\n`).join(''));
}

/** A sink's dead-letter folder: `<dataDir>/deadletter/<sink>`. */
export const deadLetterDir = (dataDir: string, sink: string) => join(dataDir, 'deadletter', sink);

/** The dead-letter files of a sink not replayed yet, oldest first. */
export async function deadLetterFiles(dir: string): Promise<string[]> {
  const files = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return files
    .filter((f) => f.endsWith('.ndjson'))
    .sort()
    .map((f) => join(dir, f));
}

/** The dead letters in a file (a torn last line, from a crash while writing it, is skipped). */
export async function readDeadLetters(file: string): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    try {
      // A line of spaces is a record taken out in place (`touchpoint forget`).
      if (line.trim()) letters.push(JSON.parse(line) as DeadLetter);
    } catch {
      // a torn line: nothing acknowledged was in it
    }
  }
  return letters;
}

export interface ReplayResult {
  files: number;
  written: number;
  /** Refused again (set aside anew, with the store's reason now). */
  refused: number;
}

/**
 * Writes a sink's dead letters to it again (after the operator fixed what the store refused: a
 * column widened, a limit raised). Each file is marked `.replayed` once done; what the store
 * refuses again goes to a new dead-letter file with its reason, so nothing is ever lost.
 */
export async function replayDeadLetters({
  dir,
  sink,
  name,
  writer,
  timeoutMs = 30_000,
}: {
  dir: string;
  sink: Sink;
  name: string;
  writer: DeadLetterWriter;
  timeoutMs?: number;
}): Promise<ReplayResult> {
  const result: ReplayResult = { files: 0, written: 0, refused: 0 };
  for (const file of await deadLetterFiles(dir)) {
    const letters = await readDeadLetters(file);
    for (const stream of new Set(letters.map((l) => l.stream))) {
      const lines = letters.filter((l) => l.stream === stream).map((l) => `${JSON.stringify(l.event)}\n`);
      for (let start = 0; start < lines.length; start += 500) {
        const chunk = lines.slice(start, start + 500);
        const refused = await writeAroundRefusals(sink, stream, Buffer.from(chunk.join('')), chunk.length, { name, timeoutMs, split: true });
        if (refused.length > 0) await writer.writeLines(deadLetterLines(refused, name, stream), refused.length);
        result.written += chunk.length - refused.length;
        result.refused += refused.length;
      }
    }
    await rename(file, `${file}.replayed`);
    result.files++;
  }
  return result;
}
