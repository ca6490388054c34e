import { describe, expect, it } from 'vitest';
import { createEventFeed, eventName, feedItems, type FeedEntry } from './feed';

const entry = (source: string): FeedEntry => ({
  source,
  events: [{ type: 'track', event: 'A', messageId: 'm1', context: {}, timestamp: 't', receivedAt: 'r' } as never],
  bots: [],
  failed: [{ reason: 'r', category: 'schema', issues: [], receivedAt: 'r', writeKeyName: source, event: { type: 'track' } }],
});

describe('event feed', () => {
  it('is inactive without listeners, and delivers to each listener until it unsubscribes', () => {
    const feed = createEventFeed();
    expect(feed.active).toBe(false);
    const seen: string[] = [];
    const stop = feed.subscribe((e) => seen.push(`1:${e.source}`));
    feed.subscribe((e) => seen.push(`2:${e.source}`));
    expect(feed.active).toBe(true);
    feed.publish(entry('a'));
    stop();
    feed.publish(entry('b'));
    expect(seen).toEqual(['1:a', '2:a', '2:b']);
  });

  it('drops a listener that throws, and still tells the others', () => {
    const feed = createEventFeed();
    const seen: string[] = [];
    feed.subscribe(() => {
      throw new Error('broken viewer');
    });
    feed.subscribe((e) => seen.push(e.source));
    expect(() => feed.publish(entry('a'))).not.toThrow();
    feed.publish(entry('b'));
    expect(seen).toEqual(['a', 'b']);
  });

  it('tells listeners when it closes, and forgets them', () => {
    const feed = createEventFeed();
    let closed = 0;
    feed.subscribe(
      () => {},
      () => closed++,
    );
    feed.close();
    expect(closed).toBe(1);
    expect(feed.active).toBe(false);
  });

  it('lists an entry item by item, good before bad', () => {
    expect(feedItems(entry('shop')).map((i) => [i.status, i.source])).toEqual([
      ['good', 'shop'],
      ['bad', 'shop'],
    ]);
  });

  it('names events as people do, whatever a client sent', () => {
    expect(eventName({ type: 'track', event: 'Order Completed' })).toBe('Order Completed');
    expect(eventName({ type: 'page', name: 'Home' })).toBe('Home');
    expect(eventName({ type: 'page' })).toBe('page');
    expect(eventName({ type: 'track', event: 42 })).toBe('track');
    for (const junk of [null, 'x', 3, [], {}, { event: '' }]) expect(eventName(junk)).toBeUndefined();
  });
});
