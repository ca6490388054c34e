import { createStore, del, delMany, get, keys, set, setMany, type UseStore } from 'idb-keyval';
import { createMemoryStore, type KeyValueStore } from '../core/store';

/**
 * IndexedDB through idb-keyval, mirrored in memory: when IndexedDB is missing or fails (private
 * modes, quota, blocked) the tracker carries on from memory and no error reaches the page.
 */
export function createBrowserStore(): KeyValueStore {
  const memory = createMemoryStore();
  let idb: UseStore | undefined;
  let broken = typeof indexedDB === 'undefined';
  const db = () => (idb ??= createStore('touchpoint', 'kv'));
  async function attempt<T>(op: () => Promise<T>): Promise<T | undefined> {
    if (broken) return undefined;
    try {
      return await op();
    } catch {
      broken = true;
      return undefined;
    }
  }
  return {
    async get<T>(key: string) {
      const stored = await attempt(() => get<T>(key, db()));
      return stored !== undefined ? stored : memory.get<T>(key);
    },
    async set(key, value) {
      await memory.set(key, value);
      await attempt(() => set(key, value, db()));
    },
    async del(key) {
      await memory.del(key);
      await attempt(() => del(key, db()));
    },
    async setMany(entries) {
      await memory.setMany(entries);
      await attempt(() => setMany(entries, db()));
    },
    async delMany(list) {
      await memory.delMany(list);
      await attempt(() => delMany(list, db()));
    },
    async keys(prefix) {
      const stored = await attempt(() => keys<string>(db()));
      return stored ? stored.filter((k) => typeof k === 'string' && k.startsWith(prefix)) : memory.keys(prefix);
    },
  };
}
