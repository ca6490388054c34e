import { describe, expect, it } from 'vitest';
import { eventSchema } from '../../sdk/protocol/schemas';
import { normaliseEvent } from './normalise';

describe('normaliseEvent', () => {
  it("takes analytics-next's userId: null and RudderStack's userId: '' as not set", () => {
    const segment = normaliseEvent({ type: 'track', event: 'x', userId: null, anonymousId: 'a', messageId: 'm', properties: null });
    expect(segment).toEqual({ type: 'track', event: 'x', anonymousId: 'a', messageId: 'm' });
    expect(eventSchema.safeParse(segment).success).toBe(true);
    expect(normaliseEvent({ type: 'page', userId: '', anonymousId: 'a' })).toEqual({ type: 'page', anonymousId: 'a' });
  });

  it('turns numeric ids into strings, and drops keys and internal metadata', () => {
    expect(normaliseEvent({ userId: 42, groupId: 7.5, writeKey: 'secret', _metadata: { bundled: [] } })).toEqual({ userId: '42', groupId: '7.5' });
  });

  it('leaves what is not an event object to validation', () => {
    for (const value of [null, 3, 'x', [1]]) expect(normaliseEvent(value)).toBe(value);
    // An empty userId and no anonymousId is still refused, with the reason.
    expect(eventSchema.safeParse(normaliseEvent({ type: 'track', event: 'x', userId: '' })).success).toBe(false);
  });

  it("gives RudderStack's identify its traits from context.traits, where that SDK sends them", () => {
    const identify = normaliseEvent({ type: 'identify', userId: 'u1', context: { traits: { email: 'a@b.cn' } } }) as Record<string, any>;
    expect(identify.traits).toEqual({ email: 'a@b.cn' });
    expect(identify.context.traits).toEqual({ email: 'a@b.cn' });
    // Traits sent at the top level stay as sent.
    expect(normaliseEvent({ type: 'identify', userId: 'u1', traits: { plan: 'pro' }, context: { traits: { email: 'x' } } })).toMatchObject({
      traits: { plan: 'pro' },
    });
  });
});
