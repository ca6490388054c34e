import { randomInt } from 'node:crypto';

const MIN_SLOTS = 1024;

export interface FingerprintSet {
  readonly size: number;
  has(key: string): boolean;
  /** Adds the key; true if it was not there. */
  add(key: string): boolean;
  delete(key: string): boolean;
  clear(): void;
}

/**
 * A set of strings held as 64-bit fingerprints in typed arrays, outside the JavaScript heap.
 * A million message ids cost 16 MB here, and the garbage collector has nothing to trace. As a
 * `Set` of strings they took ~90 MB, and every major collection under load walked them.
 *
 * Two different strings share a fingerprint with odds of about size / 2⁶⁴ per lookup
 * (5 × 10⁻¹⁴ with a million held). The seed is random per set: ids made to pile into one probe
 * run would have to guess it.
 *
 * Open addressing with linear probing, at most half full, doubling as it fills.
 * An all-zero slot is empty: a fingerprint that hashes to zero is stored as 1.
 */
export function createFingerprintSet(): FingerprintSet {
  let high = new Uint32Array(MIN_SLOTS);
  let low = new Uint32Array(MIN_SLOTS);
  let mask = MIN_SLOTS - 1;
  let size = 0;
  const seed = randomInt(2 ** 32);
  // The last fingerprint computed: two numbers, not an allocated pair per lookup.
  let fh = 0;
  let fl = 0;

  /** cyrb53's two 32-bit lanes (bryc, public domain), both kept whole. */
  function fingerprint(key: string) {
    let h = 0xdeadbeef ^ seed;
    let l = 0x41c6ce57 ^ seed;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h = Math.imul(h ^ c, 2654435761);
      l = Math.imul(l ^ c, 1597334677);
    }
    h = Math.imul(h ^ (h >>> 16), 2246822507) ^ Math.imul(l ^ (l >>> 13), 3266489909);
    l = Math.imul(l ^ (l >>> 16), 2246822507) ^ Math.imul(h ^ (h >>> 13), 3266489909);
    fh = h >>> 0;
    fl = h === 0 && l === 0 ? 1 : l >>> 0;
  }

  /** The slot holding the last fingerprint, or ~slot of the empty one where it would go. */
  function find(): number {
    for (let at = fh & mask; ; at = (at + 1) & mask) {
      const h = high[at]!;
      const l = low[at]!;
      if (h === fh && l === fl) return at;
      if (h === 0 && l === 0) return ~at;
    }
  }

  function grow() {
    const oldHigh = high;
    const oldLow = low;
    high = new Uint32Array(oldHigh.length * 2);
    low = new Uint32Array(oldHigh.length * 2);
    mask = high.length - 1;
    for (let i = 0; i < oldHigh.length; i++) {
      if (oldHigh[i] === 0 && oldLow[i] === 0) continue;
      fh = oldHigh[i]!;
      fl = oldLow[i]!;
      const at = ~find();
      high[at] = fh;
      low[at] = fl;
    }
  }

  return {
    get size() {
      return size;
    },
    has(key) {
      fingerprint(key);
      return find() >= 0;
    },
    add(key) {
      fingerprint(key);
      const at = find();
      if (at >= 0) return false;
      high[~at] = fh;
      low[~at] = fl;
      if (++size * 2 > high.length) grow();
      return true;
    },
    delete(key) {
      fingerprint(key);
      let hole = find();
      if (hole < 0) return false;
      // Backward-shift deletion: later entries of the probe run that may live in the hole move
      // in, so every entry stays reachable from its home slot without tombstones.
      for (let next = (hole + 1) & mask; high[next] !== 0 || low[next] !== 0; next = (next + 1) & mask) {
        const home = high[next]! & mask;
        const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
        if (stays) continue;
        high[hole] = high[next]!;
        low[hole] = low[next]!;
        hole = next;
      }
      high[hole] = 0;
      low[hole] = 0;
      size--;
      return true;
    },
    clear() {
      high.fill(0);
      low.fill(0);
      size = 0;
    },
  };
}
