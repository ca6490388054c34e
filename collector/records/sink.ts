import { countLines, type FailedRecord, type StoredEvent, type StreamName } from '.';

/** A batch of one stream as a sink receives it: the NDJSON lines, and the records parsed on demand. */
export type Batch = EventsBatch | FailedBatch;

interface LinesOf<S extends StreamName> {
  stream: S;
  /** NDJSON, `count` lines, as the log holds them. */
  lines: Buffer;
  count: number;
}

export interface EventsBatch extends LinesOf<'events' | 'bots'> {
  events(): StoredEvent[];
}

export interface FailedBatch extends LinesOf<'failed'> {
  records(): FailedRecord[];
}

/** A batch over NDJSON lines, parsed once if and when a sink asks for the records. */
export function batchOf(stream: StreamName, lines: Buffer, count = countLines(lines)): Batch {
  let parsed: unknown[] | undefined;
  const parse = () =>
    (parsed ??= lines
      .toString('utf8')
      .split('\n', count)
      .map((line) => JSON.parse(line) as unknown));
  return stream === 'failed'
    ? { stream, lines, count, records: () => parse() as FailedRecord[] }
    : { stream, lines, count, events: () => parse() as StoredEvent[] };
}

/** Where a stream's records end up. `write` resolves only once they are durable in the sink. */
export interface Sink {
  /**
   * Writes the batch. It may leave out records its store cannot hold, naming them in `refused`
   * (index, reason); it throws `EventsRefusedError` when the store refused the write for what
   * some record holds, and any other error when the store cannot be written now (retried).
   */
  write(batch: Batch): Promise<void | WriteOutcome>;
  /**
   * Readies the store at start (creates or migrates a table). It throws `MigrationError` when the
   * store refused a migration, any other error when the store cannot be reached now; `write`
   * readies it then.
   */
  open?(): Promise<Opened>;
  flush?(): Promise<void>;
  close(): Promise<void>;
  /** Whether the sink can take writes now. */
  ready?(): Promise<boolean>;
}

/** What `open` did: the table it readied and the schema versions it applied (none: already current). */
export interface Opened {
  table: string;
  migrated: number[];
}

export interface WriteOutcome {
  /** Records left out, by their index in the batch, with the reason. */
  refused: { index: number; reason: string }[];
}

/**
 * The store refused the write for what a record in it holds (a value it cannot take): writing it
 * again cannot help. The log's consumer splits the batch to find the record and sets it aside in
 * the sink's dead-letter stream, and the rest flows.
 */
export class EventsRefusedError extends Error {
  override name = 'EventsRefusedError';
}
