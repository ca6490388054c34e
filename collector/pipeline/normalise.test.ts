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
});
