import { describe, expect, it } from 'vitest';
import { createFingerprintSet } from './fingerprint-set';

describe('fingerprint set', () => {
  it('answers as a Set of strings does over random adds and deletes', () => {
    // A small key space keeps the table crowded: long probe runs, deletes inside them, and
    // wrap-around at the end of the table.
    const keys = Array.from({ length: 1500 }, (_, i) => `demo:${i.toString(36)}-0f8fad5b`);
    const expected = new Set<string>();
    const set = createFingerprintSet();
    let random = 42;
    const next = () => (random = (Math.imul(random, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let op = 0; op < 200_000; op++) {
      const key = keys[Math.floor(next() * keys.length)]!;
      const roll = next();
      if (roll < 0.5) expect(set.add(key)).toBe(!expected.has(key) && !!expected.add(key));
      else if (roll < 0.8) expect(set.delete(key)).toBe(expected.delete(key));
      else expect(set.has(key)).toBe(expected.has(key));
    }
    expect(set.size).toBe(expected.size);
    for (const key of keys) expect(set.has(key)).toBe(expected.has(key));
  });

  it('grows past its first table and keeps every key', () => {
    const set = createFingerprintSet();
    for (let i = 0; i < 100_000; i++) expect(set.add(`k${i}`)).toBe(true);
    expect(set.size).toBe(100_000);
    for (let i = 0; i < 100_000; i++) expect(set.add(`k${i}`)).toBe(false);
    expect(set.has('k100000')).toBe(false);
  });

  it('forgets everything on clear', () => {
    const set = createFingerprintSet();
    set.add('a');
    set.clear();
    expect(set.size).toBe(0);
    expect(set.has('a')).toBe(false);
    expect(set.add('a')).toBe(true);
  });

  it('tells apart keys that differ in one character, including non-ASCII ones', () => {
    const set = createFingerprintSet();
    for (const key of ['', 'a', 'b', 'ab', 'ba', '订单-1', '订单-2', 'a'.repeat(10_000), `${'a'.repeat(9_999)}b`]) expect(set.add(key)).toBe(true);
  });
});
