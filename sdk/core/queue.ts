import type { KeyValueStore } from './store';

/** An event as queued: its id and its JSON, serialised once. */
export interface QueueItem {
  id: string;
  json: string;
  bytes: number;
}

export interface QueueLimits {
  maxEvents: number;
  maxBytes: number;
}

export interface PersistedQueue {
  /** Loads what an earlier page left, ahead of anything queued since. */
  load(): Promise<void>;
  /** Appends and resolves once persisted; returns how many old items the bounds pushed out. */
  push(item: QueueItem): Promise<number>;
  /** The oldest items that fit in one request. */
  peek(maxCount: number, maxBytes: number): QueueItem[];
  remove(items: readonly QueueItem[]): Promise<void>;
  size(): number;
}

/**
 * The store must not reject (the tracker wraps it with `neverFailingStore`).
 * The queue an event enters before it is sent and leaves only once the collector has answered.
 * Every change is written through to the store; writes are coalesced so a burst costs one write.
 */
export function createPersistedQueue(store: KeyValueStore, key: string, { maxEvents, maxBytes }: QueueLimits): PersistedQueue {
  let items: QueueItem[] = [];
  let bytes = 0;
  let writing: Promise<void> | undefined;
  let dirty = false;

  function persist(): Promise<void> {
    dirty = true;
    writing ??= (async () => {
      while (dirty) {
        dirty = false;
        await store.set(key, items.slice());
      }
      writing = undefined;
    })();
    return writing;
  }

  function trim(): number {
    let dropped = 0;
    while (items.length > maxEvents || (bytes > maxBytes && items.length > 1)) {
      bytes -= items.shift()!.bytes;
      dropped++;
    }
    return dropped;
  }

  return {
    async load() {
      const stored = await store.get<QueueItem[]>(key);
      if (!Array.isArray(stored) || stored.length === 0) return;
      const known = new Set(items.map((i) => i.id));
      const earlier = stored.filter((i) => i && typeof i.json === 'string' && !known.has(i.id));
      items = earlier.concat(items);
      bytes = items.reduce((sum, i) => sum + i.bytes, 0);
      trim();
    },
    async push(item) {
      items.push(item);
      bytes += item.bytes;
      const dropped = trim();
      await persist();
      return dropped;
    },
    peek(maxCount, maxBytes) {
      const batch: QueueItem[] = [];
      let size = 0;
      for (const item of items) {
        if (batch.length === maxCount || (batch.length > 0 && size + item.bytes > maxBytes)) break;
        batch.push(item);
        size += item.bytes;
      }
      return batch;
    },
    async remove(sent) {
      const ids = new Set(sent.map((i) => i.id));
      items = items.filter((i) => !ids.has(i.id));
      bytes = items.reduce((sum, i) => sum + i.bytes, 0);
      await persist();
    },
    size: () => items.length,
  };
}
