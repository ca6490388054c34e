import type { SafeStore } from './store';

/** An event as queued: its id and its JSON, serialised once. */
export interface QueueItem {
  id: string;
  json: string;
  bytes: number;
}

type Entry = QueueItem & { key: string; seen?: boolean };

export interface QueueLimits {
  maxEvents: number;
  maxBytes: number;
}

export interface PersistedQueue {
  /**
   * Brings the queue in line with the store that tabs share: adopts what earlier pages and other
   * tabs left, and forgets what another tab has sent since. Call it with the send lock held.
   */
  load(): Promise<void>;
  /** Appends and resolves once persisted; returns how many old items the bounds pushed out. */
  push(item: QueueItem): Promise<number>;
  /** The oldest items that fit in one request, after the first `skip` (already being sent). */
  peek(maxCount: number, maxBytes: number, skip?: number): QueueItem[];
  remove(items: readonly QueueItem[]): Promise<void>;
  size(): number;
}

/**
 * The queue an event enters before it is sent and leaves only once the collector has answered.
 * Each event is its own entry in the store (`<key>:<time>-<n>-<id>`), written when it is queued
 * and deleted when it is confirmed, so tabs sharing the store never overwrite each other's events;
 * on load, and before each send, a page adopts whatever an earlier page (or a closed tab) left.
 * The store must not reject (the tracker wraps it with `neverFailingStore`).
 */
export function createPersistedQueue(store: SafeStore, key: string, { maxEvents, maxBytes }: QueueLimits): PersistedQueue {
  const prefix = `${key}:`;
  // `seen`: known to be in the store (written, or listed there).
  let items: Entry[] = [];
  let bytes = 0;
  let counter = 0;
  // Writes and deletions wait here and go to the store together: a burst costs one transaction.
  const toSet = new Map<string, Entry>();
  const toDel = new Set<string>();
  let writing: Promise<void> | undefined;

  function persist(): Promise<void> {
    writing ??= (async () => {
      while (toSet.size > 0 || toDel.size > 0) {
        const sets = [...toSet];
        const dels = [...toDel];
        toSet.clear();
        toDel.clear();
        const [written] = await Promise.all([sets.length > 0 && store.setMany(sets), dels.length ? store.delMany(dels) : undefined]);
        if (written) for (const [, entry] of sets) entry.seen = true;
      }
      writing = undefined;
    })();
    return writing;
  }

  function forget(entryKey: string) {
    // Never written yet: nothing to delete.
    if (!toSet.delete(entryKey)) toDel.add(entryKey);
  }
  // Keys sort by time, so events adopted from several tabs are sent roughly in the order they happened.
  const entryKey = (id: string) => `${prefix}${Date.now().toString(36).padStart(9, '0')}-${(counter++).toString(36).padStart(4, '0')}-${id}`;

  function trim(): number {
    let dropped = 0;
    while (items.length > maxEvents || (bytes > maxBytes && items.length > 1)) {
      const oldest = items.shift()!;
      bytes -= oldest.bytes;
      forget(oldest.key);
      dropped++;
    }
    return dropped;
  }

  return {
    async load() {
      while (writing) await writing;
      const stored = new Set(await store.keys(prefix));
      // An entry known to be stored that is gone was sent by another tab: forget it. One whose write
      // failed stays, so a failing store loses nothing.
      items = items.filter((i) => (stored.has(i.key) ? (i.seen = true) : !i.seen));
      const known = new Set(items.map((i) => i.key));
      const adopted = [...stored].filter((k) => !known.has(k) && !toDel.has(k));
      const values = await Promise.all(adopted.map((k) => store.get<QueueItem>(k)));
      const earlier = adopted
        .map((k, i) => ({ ...values[i]!, key: k, seen: true }))
        .filter((i) => typeof i.json === 'string' && typeof i.id === 'string' && typeof i.bytes === 'number')
        .sort((a, b) => (a.key < b.key ? -1 : 1));
      // Adopted events go first, in the order their keys give; this page's keep their own order.
      items = [...earlier, ...items];
      bytes = items.reduce((sum, i) => sum + i.bytes, 0);
      if (trim() > 0) await persist();
    },
    async push(item) {
      const entry = { ...item, key: entryKey(item.id) };
      items.push(entry);
      bytes += item.bytes;
      toSet.set(entry.key, entry);
      const dropped = trim();
      await persist();
      return dropped;
    },
    peek(maxCount, maxBytes, skip) {
      const batch: QueueItem[] = [];
      let size = 0;
      for (const item of items.slice(skip)) {
        if (batch.length === maxCount || (batch.length > 0 && size + item.bytes > maxBytes)) break;
        batch.push(item);
        size += item.bytes;
      }
      return batch;
    },
    async remove(sent) {
      const ids = new Set(sent.map((i) => i.id));
      const gone = items.filter((i) => ids.has(i.id));
      items = items.filter((i) => !ids.has(i.id));
      bytes = items.reduce((sum, i) => sum + i.bytes, 0);
      for (const i of gone) forget(i.key);
      await persist();
    },
    size: () => items.length,
  };
}
