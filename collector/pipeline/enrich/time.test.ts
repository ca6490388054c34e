import { describe, expect, it } from 'vitest';
import { stampTime } from './time';

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

  it('uses the client time without sentAt, and receivedAt without either', () => {
    expect(stampTime(track({ timestamp: '2026-11-24T08:00:00.000Z' }), receivedAt, undefined).timestamp).toBe('2026-11-24T08:00:00.000Z');
    const bare = stampTime(track(), receivedAt, undefined);
    expect(bare).toEqual({ timestamp: receivedAt.toISOString(), receivedAt: receivedAt.toISOString() });
  });
});
