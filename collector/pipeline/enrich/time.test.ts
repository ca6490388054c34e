import { describe, expect, it } from 'vitest';
import { isoTime, stampTime } from './time';

const receivedAt = new Date('2026-11-24T10:00:00.000Z');
const track = (extra: object = {}) => ({ type: 'track' as const, event: 'x', anonymousId: 'a', ...extra });

describe('stampTime', () => {
  it('corrects a client clock that runs an hour ahead and keeps the original time', () => {
    const fields = stampTime(track({ timestamp: '2026-11-24T10:59:58.000Z' }), receivedAt, '2026-11-24T11:00:00.000Z');
    expect(fields).toEqual({
      timestamp: '2026-11-24T09:59:58.000Z',
      originalTimestamp: '2026-11-24T10:59:58.000Z',
      sentAt: '2026-11-24T11:00:00.000Z',
      receivedAt: '2026-11-24T10:00:00.000Z',
    });
  });

  it('prefers the event sentAt over the batch one', () => {
    const event = track({ timestamp: '2026-11-24T09:00:00Z', sentAt: '2026-11-24T09:00:10Z' });
    expect(stampTime(event, receivedAt, '2026-11-24T12:00:00Z').timestamp).toBe('2026-11-24T09:59:50.000Z');
  });

  it('keeps the client time and flags a skew beyond 24 hours', () => {
    const fields = stampTime(track({ timestamp: '2026-11-28T10:00:00.000Z' }), receivedAt, '2026-11-28T10:00:05.000Z');
    expect(fields.timestamp).toBe('2026-11-28T10:00:00.000Z');
    expect(fields.skewFlag).toBe(4 * 86_400_000 + 5000);
  });

  it("takes RudderStack's originalTimestamp as the client time, and a timestamp beside it as the user's own", () => {
    const skewed = stampTime(track({ originalTimestamp: '2026-11-24T10:59:58.000Z' }), receivedAt, '2026-11-24T11:00:00.000Z');
    expect(skewed).toMatchObject({ timestamp: '2026-11-24T09:59:58.000Z', originalTimestamp: '2026-11-24T10:59:58.000Z' });
    const backDated = stampTime(
      track({ originalTimestamp: '2026-11-24T10:59:58.000Z', timestamp: '2026-11-01T00:00:00.000Z' }),
      receivedAt,
      '2026-11-24T11:00:00.000Z',
    );
    expect(backDated).toMatchObject({ timestamp: '2026-11-01T00:00:00.000Z', originalTimestamp: '2026-11-24T10:59:58.000Z' });
  });

  it('uses the client time without sentAt, and receivedAt without either', () => {
    expect(stampTime(track({ timestamp: '2026-11-24T08:00:00.000Z' }), receivedAt, undefined).timestamp).toBe('2026-11-24T08:00:00.000Z');
    const bare = stampTime(track(), receivedAt, undefined);
    expect(bare).toEqual({ timestamp: receivedAt.toISOString(), receivedAt: receivedAt.toISOString() });
  });
});

describe('isoTime', () => {
  it('formats exactly as Date#toISOString, across days, leap years, centuries and the range ends', () => {
    const samples = [
      0,
      -1,
      1,
      999,
      1000,
      86_399_999,
      86_400_000,
      -86_400_001,
      Date.parse('2024-02-29T23:59:59.999Z'),
      Date.parse('2000-03-01T00:00:00Z'),
      Date.parse('1900-02-28T12:00:00Z'),
      Date.parse('9999-12-31T23:59:59.999Z'),
      253_402_300_800_000,
      -62_198_755_200_001,
      8.64e15,
      -8.64e15,
      1.7,
      -1.7,
      1_795_826_508_333.9,
    ];
    let seed = 7;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 48_271) % 2_147_483_647; // a fixed pseudo-random walk over ±300,000 years
      samples.push(Math.round(((seed / 2_147_483_647) * 2 - 1) * 8.64e15 * (i % 2 ? 1 : 1e-4)));
    }
    for (const ms of samples) expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString());
  });

  it('throws the same RangeError as Date for times it cannot represent', () => {
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });
});
