import type { Sink } from './sink';

export interface MemorySink extends Sink {
  /** Everything written so far, in order. */
  readonly events: readonly object[];
}

/** Keeps events in memory: for tests and the QA fixture. */
export function createMemorySink(): MemorySink {
  const events: object[] = [];
  return {
    events,
    async write(batch) {
      events.push(...batch);
    },
    async close() {},
  };
}
