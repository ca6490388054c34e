import { afterEach, describe, expect, it } from 'vitest';
import { attribution, type AttributionModel } from './attribution';
import type { Written } from './testing/data-folder';
import { engineWith, t } from './testing/engine-with';

const DAY = 86_400;
let done: (() => Promise<void>) | undefined;
afterEach(() => done?.());
let n = 0;
const SITE = 'https://shop.example';
const landing = (anon: string, seconds: number, page: { query?: string; referrer?: string }, extra: Record<string, unknown> = {}): Written => ({
  id: `l${n++}`,
  type: 'page',
  name: 'Home',
  at: t(seconds),
  anon,
  context: { page: { url: `${SITE}/${page.query ?? ''}`, referrer: page.referrer ?? '' }, ...extra },
});
const order = (anon: string, seconds: number, revenue: number | string | undefined): Written => ({
  id: `o${n++}`,
  event: 'Order Completed',
  at: t(seconds),
  anon,
  ...(revenue !== undefined && { properties: { revenue } }),
});

async function credit(events: Written[], model: AttributionModel, lookbackSeconds = 30 * DAY, by: 'campaign' | 'channel' = 'campaign') {
  const opened = await engineWith(events);
  done = opened.done;
  const rows = await attribution(opened.engine, { conversion: 'Order Completed', model, by, lookbackSeconds });
  return Object.fromEntries(rows.map((r) => [r.key, [r.conversions, r.revenue]]));
}

describe('touch keys', () => {
  it('names each landing by its campaign, else paid click, search, other site, direct', async () => {
    const events = [
      landing('a', 0, { query: '?utm_source=baidu&utm_campaign=spring+sale' }),
      landing('a', 10, { query: '?gclid=abc', referrer: 'https://www.google.com.hk/' }),
      landing('a', 20, { referrer: 'https://m.baidu.com/s?wd=tea' }),
      landing('a', 30, { referrer: 'https://blog.example.org/post' }),
      landing('a', 40, { referrer: `${SITE}/cart` }),
      landing('a', 50, {}, { campaign: { name: 'named-by-segment' } }),
      { id: 'mini1', event: 'Application Opened', at: t(60), anon: 'a', context: { miniprogram: { platform: 'wechat', scene: 1007, query: {} } } },
      {
        id: 'mini2',
        event: 'Application Opened',
        at: t(70),
        anon: 'a',
        context: { miniprogram: { platform: 'wechat', scene: 1045, query: { gdt_vid: 'x1' } } },
      },
      {
        id: 'mini3',
        event: 'Application Opened',
        at: t(80),
        anon: 'a',
        context: { miniprogram: { platform: 'wechat', scene: 1011, query: { utm_campaign: 'poster' } } },
      },
      order('a', 100, 90),
    ];
    const linear = await credit(events, 'linear');
    expect(Object.keys(linear).sort()).toEqual(['(direct)', '(organic)', '(paid)', '(referral)', 'named-by-segment', 'poster', 'spring sale'].sort());
    expect(linear['(direct)']).toEqual([2 / 9, 20]);
    expect(linear['(paid)']).toEqual([2 / 9, 20]);
  });
});

describe('models', () => {
  const journey = [
    landing('p', 0, { query: '?utm_campaign=first' }),
    landing('p', 10, { query: '?utm_campaign=second' }),
    landing('p', 20, {}), // direct
    landing('p', 30, { query: '?utm_campaign=fourth' }),
    landing('p', 40, {}), // direct return
    order('p', 50, 100),
  ];

  it('first: the earliest touch, direct included; last: the latest that is not direct', async () => {
    expect(await credit(journey, 'first')).toEqual({ first: [1, 100] });
    expect(await credit(journey, 'last')).toEqual({ fourth: [1, 100] });
    expect(await credit([landing('d', 0, {}), landing('d', 5, {}), order('d', 9, 10)], 'last')).toEqual({ '(direct)': [1, 10] });
    expect(await credit([order('nobody', 9, 10)], 'first')).toEqual({ '(direct)': [1, 10] });
  });

  it('linear and position split each conversion exactly into its revenue, to the micro-unit', async () => {
    // 100 over 5 touches; position: 40 / 20 shared by 3 / 40
    expect(await credit(journey, 'linear')).toEqual({ first: [0.2, 20], second: [0.2, 20], fourth: [0.2, 20], '(direct)': [0.4, 40] });
    const position = await credit(journey, 'position');
    expect(position.first).toEqual([0.4, 40]);
    // the two direct touches: a middle one (20/3, rounded down) and the last (40, plus the remainder)
    expect(position['(direct)']).toEqual([0.4 + 0.2 / 3, 46.666668]);
    expect(Object.values(position).reduce((sum, [, revenue]) => sum + Math.round(revenue! * 1e6), 0)).toBe(100_000_000);
    // 100 over 3 touches does not divide: the remainder lands on the last touch, and the sum is exact
    const three = [
      landing('q', 0, { query: '?utm_campaign=a' }),
      landing('q', 10, { query: '?utm_campaign=b' }),
      landing('q', 20, { query: '?utm_campaign=c' }),
      order('q', 30, 100),
    ];
    const linear = await credit(three, 'linear');
    expect([linear.a![1], linear.b![1], linear.c![1]]).toEqual([33.333333, 33.333333, 33.333334]);
    expect(Math.round((linear.a![1]! + linear.b![1]! + linear.c![1]!) * 1e6)).toBe(100_000_000);
    const positions = await credit(three, 'position');
    expect([positions.a![1], positions.b![1], positions.c![1]]).toEqual([40, 20, 40]);
    const two = await credit(three.slice(1), 'position');
    expect([two.b![1], two.c![1]]).toEqual([50, 50]);
  });

  it('counts every conversion, a repeat order too, and treats a missing or non-numeric revenue as 0', async () => {
    const rows = await credit(
      [landing('r', 0, { query: '?utm_campaign=a' }), order('r', 10, 5), order('r', 20, 7.5), order('r', 30, undefined), order('r', 40, 'lots')],
      'last',
    );
    expect(rows).toEqual({ a: [4, 12.5] });
  });
});

describe('lookback', () => {
  it('takes touches strictly before the conversion and no older than the lookback', async () => {
    const rows = await credit(
      [
        landing('w', 0, { query: '?utm_campaign=too_old' }),
        landing('w', 0.001, { query: '?utm_campaign=at_the_edge' }),
        landing('w', DAY + 0.001, { query: '?utm_campaign=same_time' }),
        order('w', DAY + 0.001, 10),
      ],
      'linear',
      DAY,
    );
    expect(rows).toEqual({ at_the_edge: [1, 10] });
  });
});

describe('by channel', () => {
  it("names the credited touches by the collector's channel of the landing", async () => {
    const rows = await credit(
      [
        landing('c', 0, { query: '?utm_campaign=a' }, { channel: { group: 'Paid Search', source: 'baidu', medium: 'cpc' } }),
        landing('c', 10, {}, { channel: { group: 'Direct', source: '(direct)', medium: '(none)' } }),
        order('c', 20, 10),
      ],
      'last',
      30 * DAY,
      'channel',
    );
    expect(rows).toEqual({ 'Paid Search': [1, 10] });
  });
});
