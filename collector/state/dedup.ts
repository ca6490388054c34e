/**
 * Remembers which events were written, by write key × messageId. `claim` marks ids as seen and
 * says which were new; `release` forgets ids whose write failed, so the client's retry is not
 * mistaken for a duplicate.
 */
export interface DedupStore {
  claim(ids: readonly string[]): Promise<boolean[]>;
  release(ids: readonly string[]): Promise<void>;
  close?(): Promise<void>;
}

export interface MemoryDedupOptions {
  windowSeconds: number;
  maxEntries: number;
  now?: () => number;
}

/** One process: a bounded map in insertion order, so the oldest entries expire or go first. */
export function createMemoryDedup({ windowSeconds, maxEntries, now = Date.now }: MemoryDedupOptions): DedupStore {
  const seen = new Map<string, number>();
  const windowMs = windowSeconds * 1000;
  function expire(t: number) {
    for (const [id, at] of seen) {
      if (at + windowMs > t && seen.size <= maxEntries) break;
      seen.delete(id);
    }
  }
  return {
    async claim(ids) {
      const t = now();
      const fresh = ids.map((id) => {
        const at = seen.get(id);
        if (at !== undefined && at + windowMs > t) return false;
        seen.delete(id);
        seen.set(id, t);
        return true;
      });
      expire(t);
      return fresh;
    },
    async release(ids) {
      for (const id of ids) seen.delete(id);
    },
  };
}
