import { createStore, promisifyRequest } from 'idb-keyval';
import type { KeyValueStore } from '../core/store';
import { ANON_KEY } from '../core/identity';

export interface BrowserStoreOptions {
  /** Keep the anonymous id in a first-party cookie too (default true), so the server sees it. */
  cookie?: boolean;
  /** Share that cookie across subdomains, e.g. `.example.com`. */
  cookieDomain?: string;
}

const COOKIE = 'tp_anon';

// idb-keyval opens and recovers the connection; its helpers would bring its default store along.
function indexedDbStore(): KeyValueStore {
  const db = createStore('touchpoint', 'kv');
  const write = (edit: (store: IDBObjectStore) => void) => db('readwrite', (store) => (edit(store), promisifyRequest(store.transaction)));
  return {
    get: (key) => db('readonly', (store) => promisifyRequest(store.get(key))),
    keys: async (prefix) =>
      (await db('readonly', (store) => promisifyRequest(store.getAllKeys()))).filter((k): k is string => typeof k === 'string' && k.startsWith(prefix)),
    setMany: (entries) => write((store) => entries.forEach(([key, value]) => store.put(value, key))),
    delMany: (list) => write((store) => list.forEach((key) => store.delete(key))),
  };
}

function localStorageStore(): KeyValueStore {
  const ls = localStorage;
  return {
    // A missing key reads as null, which JSON.parse keeps.
    get: async (key) => JSON.parse(ls.getItem(key)!) ?? undefined,
    setMany: async (entries) => entries.forEach(([key, value]) => ls.setItem(key, JSON.stringify(value))),
    delMany: async (list) => list.forEach((key) => ls.removeItem(key)),
    keys: async (prefix) => Object.keys(ls).filter((k) => k.startsWith(prefix)),
  };
}

/**
 * IndexedDB through idb-keyval, then localStorage, then memory: when a tier is missing or fails
 * (private modes, quota, blocked) the next one takes over with everything this page wrote, and no
 * error reaches the page. The anonymous id also lives in a first-party cookie, which wins on read
 * so that subdomains sharing `cookieDomain` share the id.
 */
export function createBrowserStore({ cookie = true, cookieDomain }: BrowserStoreOptions = {}): KeyValueStore {
  const memory = new Map<string, unknown>();
  const tiers = [indexedDbStore, localStorageStore];
  let tier: KeyValueStore | undefined;
  let next = 0;

  // Runs `op` on the current tier; a failure moves to the next tier, seeded with this page's data.
  async function attempt<T>(op: (store: KeyValueStore) => Promise<T>): Promise<T | undefined> {
    for (;;) {
      try {
        if (!tier) {
          const make = tiers[next];
          if (!make) return undefined;
          tier = make();
          if (next > 0) await tier.setMany([...memory]);
        }
        return await op(tier);
      } catch {
        tier = undefined;
        next++;
      }
    }
  }

  const readCookie = () => (cookie ? /(^|; )tp_anon=([\w-]+)/.exec(document.cookie)?.[2] : undefined);
  const writeCookie = (id: unknown) => {
    if (cookie && typeof id == 'string') {
      document.cookie = `${COOKIE}=${id};path=/;max-age=31536000;samesite=lax${cookieDomain ? `;domain=${cookieDomain}` : ''}${location.protocol === 'https:' ? ';secure' : ''}`;
    }
  };

  return {
    async get<T>(key: string) {
      if (key === ANON_KEY) {
        const id = readCookie() ?? (await attempt((s) => s.get<string>(key))) ?? memory.get(key);
        // Rewritten on every load: a script-set cookie lives only as long as visits keep it fresh.
        writeCookie(id);
        return id as T | undefined;
      }
      const stored = await attempt((s) => s.get<T>(key));
      // Mirrored, so that a tier that fails later hands on what this page adopted too.
      if (stored === undefined) return memory.get(key) as T | undefined;
      memory.set(key, stored);
      return stored;
    },
    async setMany(entries) {
      for (const [k, v] of entries) {
        memory.set(k, v);
        if (k === ANON_KEY) writeCookie(v);
      }
      await attempt((s) => s.setMany(entries));
    },
    async delMany(list) {
      for (const k of list) memory.delete(k);
      await attempt((s) => s.delMany(list));
    },
    async keys(prefix) {
      // The tier is the truth shared by tabs: memory alone cannot know what another tab sent.
      return (await attempt((s) => s.keys(prefix))) ?? [...memory.keys()].filter((k) => k.startsWith(prefix));
    },
  };
}
