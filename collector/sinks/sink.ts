/** Where events end up. `write` resolves only once the events are durable in the sink. */
export interface Sink {
  write(events: readonly object[]): Promise<void>;
  flush?(): Promise<void>;
  close(): Promise<void>;
  /** Whether the sink can take writes now (for `/readyz`). */
  ready?(): Promise<boolean>;
}
