import type { FailedRecord, StoredEvent } from '../records';
import type { Sink } from '../records/sink';

export interface MemorySink extends Sink {
  /** Everything written so far, in order. */
  readonly events: readonly (StoredEvent | FailedRecord)[];
}

/** Keeps records in memory: for tests and the QA fixture. */
export function createMemorySink(): MemorySink {
  const events: (StoredEvent | FailedRecord)[] = [];
  return {
    events,
    async write(batch) {
      events.push(...(batch.stream === 'failed' ? batch.records() : batch.events()));
    },
    async close() {},
  };
}
