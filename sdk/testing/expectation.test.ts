import { expect as playwrightExpect } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import { closestEvents, differences, expectationOf, matches, type TrackedEvent } from './expectation';
import { partialDiff, preview } from './partial-match';

const event = (fields: Record<string, unknown>): TrackedEvent =>
  ({ messageId: 'm', context: {}, timestamp: 't', receivedAt: 'r', type: 'track', ...fields }) as TrackedEvent;

describe('partialDiff', () => {
  it('matches objects partially and deeply, arrays element by element', () => {
    const actual = { a: 1, b: { c: 'x', d: [1, { e: 2, f: 3 }] }, g: null };
    expect(partialDiff(actual, { b: { d: [1, { e: 2 }] } })).toEqual([]);
    expect(partialDiff(actual, { a: 2, b: { c: 'y' } })).toEqual([
      { path: 'a', expected: 2, actual: 1 },
      { path: 'b.c', expected: 'y', actual: 'x' },
    ]);
    expect(partialDiff(actual, { b: { d: [1] } })).toEqual([{ path: 'b.d', expected: [1], actual: [1, { e: 2, f: 3 }] }]);
    expect(partialDiff(actual, { missing: 1 })).toEqual([{ path: 'missing', expected: 1, actual: undefined }]);
    expect(partialDiff(actual, { g: null })).toEqual([]);
    expect(partialDiff(actual, { g: {} })).toEqual([{ path: 'g', expected: {}, actual: null }]);
    expect(partialDiff([1], { 0: 1 })).toHaveLength(1); // an array is not a plain object
  });

  it('takes regular expressions and the asymmetric matchers of Playwright’s expect', () => {
    expect(partialDiff({ id: 'o-42' }, { id: /^o-\d+$/ })).toEqual([]);
    expect(partialDiff({ id: 42 }, { id: /42/ })).toHaveLength(1);
    expect(partialDiff({ n: 3, s: 'abc' }, { n: playwrightExpect.any(Number), s: playwrightExpect.stringContaining('b') })).toEqual([]);
    const [diff] = partialDiff({ n: '3' }, { n: playwrightExpect.any(Number) });
    expect(preview(diff!.expected)).toBe('Any<Number>');
  });

  it('previews values briefly, whatever they are', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(preview(cyclic)).toBe('[object Object]');
    expect(preview('x'.repeat(200))).toHaveLength(80);
    expect(preview(undefined)).toBe('undefined');
  });
});

describe('expectations', () => {
  const order = event({ event: 'Order Completed', properties: { revenue: 113.5, currency: 'CNY' } });
  const page = event({ type: 'page', name: 'Home', properties: {} });
  const anonymousPage = event({ type: 'page', properties: {} });

  it('by name: a track’s event, a page’s name, else the type', () => {
    expect(matches(order, expectationOf('Order Completed'))).toBe(true);
    expect(matches(page, expectationOf('Home'))).toBe(true);
    expect(matches(anonymousPage, expectationOf('page'))).toBe(true);
    expect(matches(order, expectationOf(/^Order/))).toBe(true);
    expect(matches(order, expectationOf('Order'))).toBe(false);
  });

  it('with properties, a pattern or a predicate', () => {
    expect(matches(order, expectationOf('Order Completed', { revenue: 113.5 }))).toBe(true);
    expect(differences(order, expectationOf('Order Completed', { revenue: 99 }))).toEqual([{ path: 'properties.revenue', expected: 99, actual: 113.5 }]);
    expect(matches(page, expectationOf({ type: 'page', name: 'Home' }))).toBe(true);
    expect(
      matches(
        order,
        expectationOf((e) => e.properties?.currency === 'CNY'),
      ),
    ).toBe(true);
    expect(
      matches(
        order,
        expectationOf(() => {
          throw new Error('bad predicate');
        }),
      ),
    ).toBe(false);
  });

  it('refuses what is not a matcher, saying so', () => {
    expect(() => expectationOf(42 as never)).toThrow('an event matcher must be a name, a RegExp, a pattern object or a function, got 42');
    expect(() => expectationOf('A', [] as never)).toThrow('properties must be an object');
  });

  it('shows the closest events: those of the right name, fewest differences first', () => {
    const text = closestEvents(
      [page, event({ event: 'Order Completed', properties: { revenue: 1, currency: 'USD' } }), order],
      expectationOf('Order Completed', { revenue: 99, currency: 'CNY' }),
    );
    expect(text).toBe(
      [
        '3 event(s) arrived: Home, Order Completed ×2.',
        'Closest:',
        '  #3 "Order Completed" {"revenue":113.5,"currency":"CNY"}',
        '      properties.revenue: expected 99, received 113.5',
        '  #2 "Order Completed" {"revenue":1,"currency":"USD"}',
        '      properties.revenue: expected 99, received 1',
        '      properties.currency: expected "CNY", received "USD"',
      ].join('\n'),
    );
  });

  it('with none of that name, points at a look-alike name, or says none is named so', () => {
    const typo = event({ event: 'Order completed', properties: { revenue: 99 } });
    expect(closestEvents([page, typo], expectationOf('Order Completed', { revenue: 99 }))).toBe(
      [
        '2 event(s) arrived: Home, Order completed.',
        'Closest:',
        '  #2 "Order completed" {"revenue":99}',
        '      (name): expected "Order Completed", received "Order completed"',
      ].join('\n'),
    );
    expect(closestEvents([page, order], expectationOf('Checkout Started'))).toBe(
      '2 event(s) arrived: Home, Order Completed.\nNone is named "Checkout Started".',
    );
    expect(closestEvents([], expectationOf('A'))).toBe('No events arrived at the test collector.');
  });
});
