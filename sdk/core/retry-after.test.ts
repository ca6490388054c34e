import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseRetryAfter } from './retry-after';

afterEach(() => {
  vi.useRealTimers();
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    vi.useFakeTimers({ now: new Date('2026-11-24T10:00:00Z') });
    expect(parseRetryAfter('5')).toBe(5);
    expect(parseRetryAfter(' 1.5')).toBe(1.5);
    expect(parseRetryAfter('Tue, 24 Nov 2026 10:00:30 GMT')).toBe(30);
    expect(parseRetryAfter('Tue, 24 Nov 2026 09:00:00 GMT')).toBe(0); // already past
  });

  it('gives nothing for a missing or unreadable value, so backoff decides', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('5 minutes')).toBeUndefined();
  });
});
