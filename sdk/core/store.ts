/** The tiny async key-value interface every platform's storage implements. */
export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  del(key: string): Promise<void>;
}

export function createMemoryStore(): KeyValueStore {
  const map = new Map<string, unknown>();
  return {
    get: async <T>(key: string) => map.get(key) as T | undefined,
    set: async (key, value) => void map.set(key, value),
    del: async (key) => void map.delete(key),
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
  };
}
