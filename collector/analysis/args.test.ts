import { describe, expect, it } from 'vitest';
import { closeMatches, parseDate, parseDuration, parseSteps, requireKnownEvents, UsageError } from './args';

describe('arguments', () => {
  it('reads durations, and refuses what is not one', () => {
    expect(parseDuration('7d', '--within')).toBe(604_800);
    expect(parseDuration('30m', '--gap')).toBe(1800);
    expect(parseDuration('90', '--within')).toBe(90);
    for (const bad of ['', '7x', '-1d', '0', '1e9', '7 d d', '400d', 'NaN', '1d; DROP TABLE events'])
      expect(() => parseDuration(bad, '--within')).toThrow(UsageError);
  });

  it('reads dates as UTC days, and refuses impossible ones', () => {
    expect(parseDate('2026-02-28', '--from')).toBe(Date.UTC(2026, 1, 28));
    for (const bad of ['2026-02-30', '2026-2-1', 'yesterday', "2026-01-01' OR 1=1"]) expect(() => parseDate(bad, '--from')).toThrow(UsageError);
  });

  it('reads a step list, refusing too few, empty, repeated or oversized steps', () => {
    expect(parseSteps(' Product Viewed , Order Completed')).toEqual(['Product Viewed', 'Order Completed']);
    for (const bad of ['A', 'A,,B', 'A,A', ',', 'x'.repeat(201) + ',B', Array.from({ length: 21 }, (_, i) => `s${i}`).join(',')])
      expect(() => parseSteps(bad)).toThrow(UsageError);
    // quotes and SQL are just names: they are passed as literals, never spliced
    expect(parseSteps("it's,Robert'); DROP TABLE events;--")).toHaveLength(2);
  });

  it('suggests the close names for an unknown event', () => {
    expect(closeMatches('Order Complete', ['Product Viewed', 'Order Completed', 'Orders Cancelled'])).toEqual(['Order Completed']);
    expect(closeMatches('order completed', ['Order Completed'])).toEqual(['Order Completed']);
    expect(() => requireKnownEvents(['Prodct Viewed'], ['Product Viewed'])).toThrow('unknown event "Prodct Viewed"; did you mean "Product Viewed"?');
    expect(() => requireKnownEvents(['Zzz'], ['Product Viewed'])).toThrow('the data has "Product Viewed"');
    expect(() => requireKnownEvents(['A'], [])).toThrow('there are no events in the data yet');
  });
});
