/** Where events end up. `write` resolves only once the events are durable in the sink. */
export interface Sink {
  write(events: readonly object[]): Promise<void>;
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

/** Events as NDJSON: one JSON document per line. */
export function ndjson(events: readonly object[]): string {
  let text = '';
  for (const event of events) text += JSON.stringify(event) + '\n';
  return text;
}
