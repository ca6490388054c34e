/** The tiny async key-value interface every platform's storage implements. */
export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  del(key: string): Promise<void>;
  /** Every key that starts with `prefix`. */
  keys(prefix: string): Promise<string[]>;
  /** Several writes and deletions in one go (one IndexedDB transaction each). */
  setMany(entries: [string, unknown][]): Promise<void>;
  delMany(keys: string[]): Promise<void>;
}

export function createMemoryStore(): KeyValueStore {
  const map = new Map<string, unknown>();
  return {
    get: async <T>(key: string) => map.get(key) as T | undefined,
    set: async (key, value) => void map.set(key, value),
    del: async (key) => void map.delete(key),
    keys: async (prefix) => [...map.keys()].filter((k) => k.startsWith(prefix)),
    setMany: async (entries) => entries.forEach(([k, v]) => map.set(k, v)),
    delMany: async (keys) => keys.forEach((k) => map.delete(k)),
  };
}

/** Wraps a store so that no call throws or rejects: storage trouble must never stop tracking. */
export function neverFailingStore(store: KeyValueStore): KeyValueStore {
  const safely = async <T>(op: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await op();
    } catch {
      return undefined;
    }
  };
  return {
    get: <T>(key: string) => safely(() => store.get<T>(key)),
    set: async (key, value) => void (await safely(() => store.set(key, value))),
    del: async (key) => void (await safely(() => store.del(key))),
    keys: async (prefix) => (await safely(() => store.keys(prefix))) ?? [],
    setMany: async (entries) => void (await safely(() => store.setMany(entries))),
    delMany: async (keys) => void (await safely(() => store.delMany(keys))),
  };
}
