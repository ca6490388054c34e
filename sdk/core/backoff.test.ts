import { describe, expect, it } from 'vitest';
import { backoff } from './backoff';

describe('backoff', () => {
  it('doubles up to the cap, jittered between half and all of it', () => {
    const low = (n: number) => backoff(n, { random: () => 0 });
    const high = (n: number) => backoff(n, { random: () => 1 });
    expect([0, 1, 2, 3].map(high)).toEqual([1000, 2000, 4000, 8000]);
    expect([0, 1, 2, 3].map(low)).toEqual([500, 1000, 2000, 4000]);
    expect(high(20)).toBe(60_000);
    expect(high(10_000)).toBe(60_000);
    expect(backoff(2, { baseMs: 100, maxMs: 300, random: () => 1 })).toBe(300);
  });

  it('spreads clients out', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoff(3)));
    expect(delays.size).toBeGreaterThan(40);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(4000);
  });
});
