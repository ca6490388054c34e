import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import {
  aliasSchema,
  batchSchema,
  contextSchema,
  eventSchema,
  formatIssues,
  groupSchema,
  identifySchema,
  pageSchema,
  screenSchema,
  trackSchema,
} from './schemas';
import type { AliasEvent, Batch, Context, GroupEvent, IdentifyEvent, PageEvent, ScreenEvent, TouchpointEvent, TrackEvent } from './types';

// Type-level: `tsc --noEmit` (part of `npm test`) fails if the hand-written types and the
// schemas drift apart.
describe('types and schemas stay in step', () => {
  it('matches every event type', () => {
    expectTypeOf<z.output<typeof contextSchema>>().toEqualTypeOf<Context>();
    expectTypeOf<z.output<typeof trackSchema>>().toEqualTypeOf<TrackEvent>();
    expectTypeOf<z.output<typeof pageSchema>>().toEqualTypeOf<PageEvent>();
    expectTypeOf<z.output<typeof screenSchema>>().toEqualTypeOf<ScreenEvent>();
    expectTypeOf<z.output<typeof identifySchema>>().toEqualTypeOf<IdentifyEvent>();
    expectTypeOf<z.output<typeof groupSchema>>().toEqualTypeOf<GroupEvent>();
    expectTypeOf<z.output<typeof aliasSchema>>().toEqualTypeOf<AliasEvent>();
    expectTypeOf<z.output<typeof eventSchema>>().toEqualTypeOf<TouchpointEvent>();
    expectTypeOf<z.output<typeof batchSchema>>().toEqualTypeOf<Batch>();
  });
});

const now = '2026-11-24T10:00:00.000Z';

describe('eventSchema', () => {
  it('accepts each Segment call type', () => {
    const events = [
      { type: 'track', event: 'Order Completed', anonymousId: 'a1', properties: { order_id: 'o1', revenue: 9.9 } },
      { type: 'page', name: 'Home', userId: 'u1', timestamp: now },
      { type: 'screen', name: 'Cart', anonymousId: 'a1' },
      { type: 'identify', userId: 'u1', traits: { plan: 'pro' } },
      { type: 'group', groupId: 'g1', anonymousId: 'a1', traits: { name: 'Acme' } },
      { type: 'alias', userId: 'u1', previousId: 'a1' },
    ];
    for (const event of events) expect(eventSchema.safeParse(event).success, JSON.stringify(event)).toBe(true);
  });

  it('keeps unknown context fields and strips unknown top-level ones', () => {
    const parsed = eventSchema.parse({
      type: 'track',
      event: 'x',
      anonymousId: 'a',
      context: { session: { id: 's1' }, page: { url: 'https://shop.example/' } },
      injected: true,
    });
    expect(parsed.context).toEqual({ session: { id: 's1' }, page: { url: 'https://shop.example/' } });
    expect(parsed).not.toHaveProperty('injected');
  });

  it.each([
    [{ type: 'track', anonymousId: 'a' }, 'event: '],
    [{ type: 'track', event: '', anonymousId: 'a' }, 'event: '],
    [{ type: 'track', event: 'x' }, 'anonymousId: userId or anonymousId is required'],
    [{ type: 'track', event: 'x', anonymousId: 'a', timestamp: 'yesterday' }, 'timestamp: '],
    [{ type: 'track', event: 'x', anonymousId: 'a', properties: [1, 2] }, 'properties: '],
    [{ type: 'track', event: 'x', anonymousId: 42 }, 'anonymousId: '],
    [{ type: 'group', anonymousId: 'a' }, 'groupId: '],
    [{ type: 'alias', userId: 'u1' }, 'previousId: '],
    [{ type: 'purchase', anonymousId: 'a' }, 'type: '],
    [{ type: 'page', anonymousId: 'a', context: { page: { url: 5 } } }, 'context.page.url: '],
  ])('rejects %j with a reason naming the field', (event, reason) => {
    const result = eventSchema.safeParse(event);
    expect(result.success).toBe(false);
    if (!result.success) expect(formatIssues(result.error)).toContain(reason);
  });
});
