/** Where events end up. `write` resolves only once the events are durable in the sink. */
export interface Sink {
  /**
   * Writes the events. It may leave out events its store cannot hold, naming them in
   * `refused` (index, reason); it throws `EventsRefusedError` when the store refused the write for
   * what some event holds, and any other error when the store cannot be written now (retried).
   */
  write(events: readonly object[]): Promise<void | WriteOutcome>;
  /**
   * The same, given the events as the spool holds them: NDJSON, `count` lines. A sink that stores
   * lines implements it to skip parsing and re-serialising every event.
   */
  writeLines?(lines: Buffer, count: number): Promise<void>;
  flush?(): Promise<void>;
  close(): Promise<void>;
  /** Whether the sink can take writes now (for `/readyz`). */
  ready?(): Promise<boolean>;
}

export interface WriteOutcome {
  /** Events left out, by their index in the write, with the reason. */
  refused: { index: number; reason: string }[];
}

/**
 * The store refused the write for what an event in it holds (a value it cannot take): writing it
 * again cannot help. The pump splits the batch to find the event and sets it aside in the sink's
 * dead-letter stream, and the rest flows.
 */
export class EventsRefusedError extends Error {
  override name = 'EventsRefusedError';
}

/** Events as NDJSON: one JSON document per line. */
export function ndjson(events: readonly object[]): string {
  let text = '';
  for (const event of events) text += JSON.stringify(event) + '\n';
  return text;
}
