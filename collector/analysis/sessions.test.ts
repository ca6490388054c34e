import { afterEach, describe, expect, it } from 'vitest';
import { rfm } from './rfm';
import { sessions } from './sessions';
import type { Written } from './testing/data-folder';
import { engineWith, t } from './testing/engine-with';

let done: (() => Promise<void>) | undefined;
afterEach(() => done?.());
let n = 0;
const page = (anon: string, seconds: number, group: string, query = ''): Written => ({
  id: `p${n++}`,
  type: 'page',
  name: 'Home',
  at: t(seconds),
  anon,
  context: { page: { url: `https://shop.example/${query}` }, channel: { group, source: 'x', medium: 'y' } },
});
const track = (anon: string, seconds: number, event: string, properties?: Record<string, unknown>): Written => ({
  id: `t${n++}`,
  event,
  at: t(seconds),
  anon,
  ...(properties && { properties }),
});

describe('sessions', () => {
  it("cuts a person's visits at pauses longer than the gap and names each by its first event's channel", async () => {
    const opened = await engineWith([
      page('a', 0, 'Paid Search', '?utm_campaign=spring'),
      track('a', 60, 'Product Viewed'),
      page('a', 120, 'Paid Search'), // one visit, 120 s
      page('a', 120 + 31 * 60, 'Direct'),
      track('a', 120 + 31 * 60 + 5, 'Page Left'), // a new visit after 31 min: a bounce
      page('b', 0, 'Direct'),
    ]);
    done = opened.done;
    const rows = await sessions(opened.engine, { gapSeconds: 30 * 60, by: 'channel' });
    expect(rows).toEqual([
      { key: 'Direct', sessions: 2, persons: 2, medianSeconds: 2.5, pagesPerSession: 1, bounceRate: 1 },
      { key: 'Paid Search', sessions: 1, persons: 1, medianSeconds: 120, pagesPerSession: 2, bounceRate: 0 },
    ]);
    const byCampaign = await sessions(opened.engine, { gapSeconds: 30 * 60, by: 'campaign' });
    expect(byCampaign.map((r) => [r.key, r.sessions])).toEqual([
      ['(direct)', 2],
      ['spring', 1],
    ]);
  });
});

describe('rfm', () => {
  it('scores recency, frequency and money 1–5 by rank and names the classic segments', async () => {
    const DAY = 86_400;
    const orders: Written[] = [];
    // five customers: c0 bought once long ago ... c4 bought five times lately
    for (let c = 0; c < 5; c++) {
      for (let o = 0; o <= c; o++) orders.push(track(`c${c}`, (c * 10 + o) * DAY, 'Order Completed', { revenue: 10 * (c + 1) }));
    }
    const opened = await engineWith(orders);
    done = opened.done;
    const result = await rfm(opened.engine, { conversion: 'Order Completed' });
    expect(result.customers).toBe(5);
    const byAnon = result.persons.map((p) => [p.orders, p.r, p.f, p.m, p.segment]);
    expect(byAnon).toEqual([
      [5, 5, 5, 5, 'Champions'],
      [4, 4, 4, 4, 'Loyal Customers'],
      [3, 3, 3, 3, 'Need Attention'],
      [2, 2, 2, 2, 'Hibernating'],
      [1, 1, 1, 1, 'Hibernating'],
    ]);
    expect(result.grid.flat().reduce((a, b) => a + b, 0)).toBe(5);
    expect(result.grid[0]![4]).toBe(1); // R5 × F5
    expect(result.gridSegments[0]![4]).toBe('Champions');
    // the end of the last day with data: c4's last order, 44 days after the first
    expect(result.asOf).toBe('2026-12-16T00:00:00.000Z');
  });
});
