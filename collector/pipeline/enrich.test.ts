import { describe, expect, it } from 'vitest';
import { enrichEvent } from './enrich';

const receivedAt = new Date('2026-11-24T10:00:00.000Z');

describe('enrichEvent', () => {
  it('corrects a client clock that runs an hour ahead and keeps the original time', () => {
    const event = { type: 'track' as const, event: 'x', anonymousId: 'a', timestamp: '2026-11-24T10:59:58.000Z' };
    const enriched = enrichEvent(event, { receivedAt, sentAt: '2026-11-24T11:00:00.000Z' });
    expect(enriched.timestamp).toBe('2026-11-24T09:59:58.000Z');
    expect(enriched.originalTimestamp).toBe('2026-11-24T10:59:58.000Z');
    expect(enriched.sentAt).toBe('2026-11-24T11:00:00.000Z');
    expect(enriched.receivedAt).toBe('2026-11-24T10:00:00.000Z');
  });

  it('prefers the event sentAt over the batch one', () => {
    const event = { type: 'track' as const, event: 'x', anonymousId: 'a', timestamp: '2026-11-24T09:00:00Z', sentAt: '2026-11-24T09:00:10Z' };
    expect(enrichEvent(event, { receivedAt, sentAt: '2026-11-24T12:00:00Z' }).timestamp).toBe('2026-11-24T09:59:50.000Z');
  });

  it('uses the client time without sentAt, and receivedAt without either', () => {
    const withTime = { type: 'page' as const, anonymousId: 'a', timestamp: '2026-11-24T08:00:00.000Z' };
    expect(enrichEvent(withTime, { receivedAt }).timestamp).toBe('2026-11-24T08:00:00.000Z');
    const bare = enrichEvent({ type: 'page', anonymousId: 'a' }, { receivedAt });
    expect(bare.timestamp).toBe(receivedAt.toISOString());
    expect(bare).not.toHaveProperty('originalTimestamp');
  });

  it('adds the client ip unless the client set one, without touching the input', () => {
    const event = { type: 'track' as const, event: 'x', anonymousId: 'a', context: { locale: 'zh-CN' } };
    expect(enrichEvent(event, { receivedAt, ip: '10.1.2.3' }).context).toEqual({ locale: 'zh-CN', ip: '10.1.2.3' });
    expect(event.context).toEqual({ locale: 'zh-CN' });
    const own = { ...event, context: { ip: '1.1.1.1' } };
    expect(enrichEvent(own, { receivedAt, ip: '10.1.2.3' }).context).toEqual({ ip: '1.1.1.1' });
  });

  it('assigns a uuid messageId only when the client sent none', () => {
    expect(enrichEvent({ type: 'identify', userId: 'u', messageId: 'm1' }, { receivedAt }).messageId).toBe('m1');
    const ids = new Set(Array.from({ length: 3 }, () => enrichEvent({ type: 'identify', userId: 'u' }, { receivedAt }).messageId));
    expect(ids.size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
