import type { TouchpointEvent } from '../protocol/types';
import type { QueueItem } from './queue';
import type { SafeStore } from './store';

const SEQ_KEY = 'tp:v1:seq';

/** A per-device sequence number on every event (`context.seq`), so the collector can count gaps. */
export interface Sequence {
  /** Continues from the stored counter, past any number the events still queued already carry. */
  load(queued: Promise<readonly QueueItem[]>): Promise<void>;
  /** The next number; saved soon after (a burst of events costs one write). */
  next(): number;
}

export function createSequence(store: SafeStore): Sequence {
  let seq = 0;
  let saving = false;
  return {
    async load(queued) {
      const [stored, items] = await Promise.all([store.get<number>(SEQ_KEY), queued]);
      // Events queued but whose counter was never saved still carry their numbers: never reuse them.
      seq = Number.isFinite(stored) ? stored! : 0;
      for (const item of items) {
        try {
          // Not a number: no number to avoid (NaN || 0).
          seq = Math.max(seq, +((JSON.parse(item.json) as TouchpointEvent).context?.seq as number) || 0);
        } catch {
          // an unreadable entry: it carries no number to avoid
        }
      }
    },
    next() {
      if (!saving) {
        saving = true;
        // A promise, not queueMicrotask: mini-program hosts do not document it.
        void Promise.resolve().then(() => {
          saving = false;
          void store.set(SEQ_KEY, seq);
        });
      }
      return ++seq;
    },
  };
}
