import type { KeyValueStore } from '../core/store';
import type { Host } from './host';

const QUEUE = 'tp:v1:queue:';
const CHUNK = 'tp:v1:chunk:';
// A chunk is rewritten whole when an event enters or leaves it: small enough to write fast,
// large enough that a burst fills few. Well under Alipay's 200 KB per key.
const CHUNK_BYTES = 48 * 1024;

const call = <T>(run: (done: (value: T) => void, fail: (error: unknown) => void) => void) => new Promise<T>(run);

/**
 * The tracker's store in the host's storage (one JavaScript context per app, so memory mirrors it).
 * Queued events are packed into chunk keys (`tp:v1:chunk:<n>`) rather than one key per event: a
 * burst of events costs one storage write, not one each, and the key count stays small. Other
 * values (anonymous id, user, counters, plugin state) keep a key each. A write the host refuses
 * (its per-key or 10 MB limit) rejects, so the queue keeps that event in memory and counts nothing
 * as stored.
 */
export function createMiniStore(host: Host, chunkBytes = Math.min(CHUNK_BYTES, host.keyBytes / 4)): KeyValueStore {
  const { api } = host;
  const values = new Map<string, unknown>();
  // queue entry → its chunk; chunk → its entries and their size
  const chunkOf = new Map<string, number>();
  const chunks = new Map<number, { keys: Set<string>; bytes: number }>();
  let filling = 0;

  const loaded = (async () => {
    const keys = await call<string[]>((done) => api.getStorageInfo({ success: (r) => done(r.keys ?? []), fail: () => done([]) }));
    await Promise.all(
      keys
        .filter((k) => k.startsWith('tp:'))
        .map(async (key) => {
          const data = await call<unknown>((done) => api.getStorage({ key, success: (r) => done(r.data), fail: () => done(undefined) }));
          const n = key.startsWith(CHUNK) ? +key.slice(CHUNK.length) : NaN;
          if (n >= 0 && data && typeof data == 'object') {
            chunks.set(n, { keys: new Set(Object.keys(data)), bytes: JSON.stringify(data).length });
            for (const [k, v] of Object.entries(data)) {
              values.set(k, v);
              chunkOf.set(k, n);
            }
            filling = Math.max(filling, n + 1);
          } else if (data !== undefined && data !== null && data !== '') values.set(key, data);
        }),
    );
  })();

  const write = (key: string, data: unknown) =>
    call<void>((done, fail) =>
      data === undefined ? api.removeStorage({ key, success: () => done(), fail: () => done() }) : api.setStorage({ key, data, success: () => done(), fail }),
    );

  // Writes every key touched by one call: the chunks, whole, and the plain keys.
  async function save(touched: Set<string>, dirtyChunks: Set<number>) {
    const writes: Promise<void>[] = [];
    for (const key of touched) writes.push(write(key, values.get(key)));
    for (const n of dirtyChunks) {
      const chunk = chunks.get(n)!;
      const data: Record<string, unknown> = {};
      for (const k of chunk.keys) data[k] = values.get(k);
      if (chunk.keys.size === 0) chunks.delete(n);
      writes.push(write(CHUNK + n, chunk.keys.size ? data : undefined));
    }
    await Promise.all(writes);
  }

  function place(key: string, value: unknown, dirty: Set<number>) {
    const bytes = JSON.stringify(value).length + key.length;
    let n = chunkOf.get(key);
    if (n === undefined) {
      const current = chunks.get(filling);
      if (current && current.bytes + bytes > chunkBytes && current.keys.size > 0) filling++;
      n = filling;
      chunkOf.set(key, n);
    }
    const chunk = chunks.get(n) ?? { keys: new Set<string>(), bytes: 0 };
    chunks.set(n, chunk);
    chunk.keys.add(key);
    chunk.bytes += bytes;
    dirty.add(n);
  }

  return {
    async get<T>(key: string) {
      await loaded;
      return values.get(key) as T | undefined;
    },
    async keys(prefix) {
      await loaded;
      return [...values.keys()].filter((k) => k.startsWith(prefix));
    },
    async setMany(entries) {
      await loaded;
      const touched = new Set<string>();
      const dirty = new Set<number>();
      for (const [key, value] of entries) {
        values.set(key, value);
        if (key.startsWith(QUEUE)) place(key, value, dirty);
        else touched.add(key);
      }
      await save(touched, dirty);
    },
    async delMany(keys) {
      await loaded;
      const touched = new Set<string>();
      const dirty = new Set<number>();
      for (const key of keys) {
        const n = chunkOf.get(key);
        const value = values.get(key);
        values.delete(key);
        if (n === undefined) {
          touched.add(key);
          continue;
        }
        chunkOf.delete(key);
        const chunk = chunks.get(n)!;
        chunk.keys.delete(key);
        chunk.bytes -= JSON.stringify(value).length + key.length;
        dirty.add(n);
      }
      await save(touched, dirty);
    },
  };
}
