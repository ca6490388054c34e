/** The tiny async key-value interface every platform's storage implements. */
export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>;
  /** Every key that starts with `prefix`. */
  keys(prefix: string): Promise<string[]>;
  /** Several writes or deletions in one go (one IndexedDB transaction each). */
  setMany(entries: [string, unknown][]): Promise<void>;
  delMany(keys: string[]): Promise<void>;
}

/** The store the tracker and its plugins use: it never rejects, and writes one value with `set`. */
export interface SafeStore extends Omit<KeyValueStore, 'setMany'> {
  /** Resolves whether the entries were written. */
  setMany(entries: [string, unknown][]): Promise<boolean>;
  set(key: string, value: unknown): Promise<boolean>;
}

export function createMemoryStore(): KeyValueStore {
  const map = new Map<string, unknown>();
  return {
    get: async <T>(key: string) => map.get(key) as T | undefined,
    keys: async (prefix) => [...map.keys()].filter((k) => k.startsWith(prefix)),
    setMany: async (entries) => entries.forEach(([k, v]) => map.set(k, v)),
    delMany: async (keys) => keys.forEach((k) => map.delete(k)),
  };
}

/** Wraps a store so that no call throws or rejects: storage trouble must never stop tracking. */
export function neverFailingStore(store: KeyValueStore): SafeStore {
  const safely = async <T>(op: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await op();
    } catch {
      return undefined;
    }
  };
  const setMany = async (entries: [string, unknown][]) => !!(await safely(async () => (await store.setMany(entries), true)));
  return {
    get: <T>(key: string) => safely(() => store.get<T>(key)),
    keys: async (prefix) => (await safely(() => store.keys(prefix))) ?? [],
    setMany,
    delMany: async (keys) => void (await safely(() => store.delMany(keys))),
    set: (key, value) => setMany([[key, value]]),
  };
}
