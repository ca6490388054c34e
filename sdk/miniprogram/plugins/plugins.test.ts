import { afterEach, describe, expect, it } from 'vitest';
import type { TouchpointEvent } from '../../protocol/types';
import type { Transport } from '../../core/transport';
import { createTracker } from '../index';
import { FakeRuntime, FakeStorage, type Launch } from '../testing/fake-runtime';
import { attributionPlugin, entryTouch } from './attribution';
import { lifecyclePlugin } from './lifecycle';
import { pagesPlugin } from './pages';

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());
const pause = (ms = 15) => new Promise((resolve) => setTimeout(resolve, ms));

/** An app on the fake runtime whose tracker sends to a recorder (the collector is covered elsewhere). */
function app(
  launch: Launch,
  pages: Record<string, Record<string, unknown>>,
  { storage, platform = 'wechat' as const } = {} as { storage?: FakeStorage; platform?: 'wechat' | 'alipay' | 'douyin' },
) {
  uninstall?.();
  const runtime = new FakeRuntime({ platform, appId: 'wxapp', domains: [], launch, storage });
  uninstall = runtime.install();
  const sent: TouchpointEvent[] = [];
  const transport: Transport = async ({ body }) => (sent.push(...JSON.parse(body).batch), { status: 200 });
  const lifecycle = lifecyclePlugin();
  const capture = pagesPlugin();
  const tp = createTracker({ writeKey: 'wk', endpoint: '', transport, plugins: [attributionPlugin(), lifecycle, capture] });
  for (const [route, options] of Object.entries(pages)) runtime.pageLoaders.set(route, () => (globalThis as any).Page(capture.wrapPage(options)));
  runtime.start(() => (globalThis as any).App({}));
  const events = async () => {
    await pause();
    await tp.flush();
    return sent.map((e) => (e.type === 'track' ? e.event : `${e.type}:${(e as { name?: string }).name}`));
  };
  return { runtime, tp, sent, events, lifecycle, capture };
}

describe('lifecyclePlugin', () => {
  it('tracks launch, background with its duration, and each return with the new entry; teardown stops it', async () => {
    const { runtime, sent, events, lifecycle } = app({ path: 'pages/a/a', scene: 1001 }, { 'pages/a/a': {} });
    await pause();
    runtime.hide();
    runtime.show({ path: 'pages/a/a', query: { from: 'card' }, scene: 1007 });
    expect(await events()).toEqual(['Application Opened', 'page:pages/a/a', 'Page Left', 'Application Backgrounded', 'Application Opened', 'page:pages/a/a']);
    const [launch, , , background, back] = sent;
    expect(launch).toMatchObject({ properties: { from_background: false, scene: 1001, path: 'pages/a/a' } });
    expect((background as unknown as { properties: { duration_ms: number } }).properties.duration_ms).toBeGreaterThanOrEqual(10);
    expect(back).toMatchObject({ properties: { from_background: true, scene: 1007, query: { from: 'card' } } });
    lifecycle.teardown();
    runtime.hide();
    runtime.show();
    expect((await events()).filter((e) => e.startsWith('Application'))).toHaveLength(3);
  });
});

describe('pagesPlugin', () => {
  const item = {
    onLoad() {},
    onBuy(e: unknown) {
      return e;
    },
    onShareAppMessage() {
      return { title: 'Tea', path: '/pages/item/item?id=7' };
    },
  };

  it('tracks a view per show, Page Left with the time on page, and taps with the dataset; the page code runs as before', async () => {
    const calls: string[] = [];
    const { runtime, sent, events } = app(
      { path: 'pages/home/home', scene: 1001 },
      {
        'pages/home/home': {
          onShow() {
            calls.push('home show');
          },
        },
        'pages/item/item': {
          ...item,
          onBuy(e: unknown) {
            calls.push('buy');
            return e;
          },
        },
      },
    );
    await pause();
    runtime.navigateTo('/pages/item/item?id=7');
    await pause();
    const returned = runtime.tap('onBuy', { id: 'buy', dataset: { sku: 'sku-7', price: 68 } });
    runtime.navigateBack();
    expect(returned).toMatchObject({ type: 'tap' }); // the handler's own return value
    expect(calls).toEqual(['home show', 'buy', 'home show']);
    expect(await events()).toEqual([
      'Application Opened',
      'page:pages/home/home',
      'Page Left',
      'page:pages/item/item',
      'Element Tapped',
      'Page Left',
      'page:pages/home/home',
    ]);
    expect(sent[3]).toMatchObject({
      properties: { path: 'pages/item/item', query: { id: '7' }, url: 'pages/item/item?id=7' },
      context: { page: { path: 'pages/item/item', referrer: 'pages/home/home' } },
    });
    expect(sent[4]).toMatchObject({ properties: { handler: 'onBuy', path: 'pages/item/item', element_id: 'buy', dataset: { sku: 'sku-7', price: 68 } } });
    expect(sent[5]).toMatchObject({ properties: { path: 'pages/item/item', url: 'pages/item/item?id=7', time_on_page_ms: expect.any(Number) } });
  });

  it("adds the sharer, the depth and the share's id to a shared card, one deeper than the share that brought this user", async () => {
    const { runtime, tp, sent, events } = app(
      { path: 'pages/item/item', query: { id: '7', tp_sharer: 'friend', tp_sd: '2', tp_sid: 's0' }, scene: 1007 },
      { 'pages/item/item': item },
    );
    await pause();
    const card = runtime.shareToChat();
    expect(card.title).toBe('Tea');
    const params = new URLSearchParams(card.path.split('?')[1]);
    expect(Object.fromEntries(params)).toMatchObject({ id: '7', tp_sharer: tp.anonymousId(), tp_sd: '3', tp_sid: expect.stringMatching(/^\w+$/) });
    await events();
    const shareSent = sent.find((e) => (e as { event?: string }).event === 'Share Sent')!;
    expect(shareSent).toMatchObject({ properties: { channel: 'chat', path: card.path, share_id: params.get('tp_sid'), share_depth: 3 } });
    expect(sent[0]!.context!.attribution).toMatchObject({ first: { share: { sharer: 'friend', depth: 2, id: 's0' }, scene: 1007 } });
  });

  it('wraps components used as pages and their handlers, and leaves everything to the page after teardown', async () => {
    uninstall?.();
    const runtime = new FakeRuntime({ platform: 'douyin', appId: 'tt1', domains: [], launch: { path: 'pages/c/c', scene: '021001' } });
    uninstall = runtime.install();
    const sent: TouchpointEvent[] = [];
    const capture = pagesPlugin();
    const tp = createTracker({
      writeKey: 'wk',
      endpoint: '',
      transport: async ({ body }) => (sent.push(...JSON.parse(body).batch), { status: 200 }),
      plugins: [capture],
    });
    let loaded = 0;
    runtime.pageLoaders.set('pages/c/c', () =>
      (globalThis as any).Component(
        capture.wrapComponent({
          properties: {},
          methods: {
            onLoad() {
              loaded++;
            },
            onPick() {},
          },
        }),
      ),
    );
    runtime.start(() => (globalThis as any).App({}));
    await pause();
    runtime.tap('onPick', { dataset: { n: 1 } });
    capture.teardown();
    runtime.tap('onPick', { dataset: { n: 2 } });
    await pause();
    await tp.flush();
    expect(loaded).toBe(1);
    expect(sent.map((e) => (e.type === 'track' ? e.event : e.type))).toEqual(['page', 'Element Tapped']);
    expect(sent[0]).toMatchObject({ name: 'pages/c/c', context: { miniprogram: { platform: 'douyin', scene: 21001 } } });
    expect(capture.wrapPage(null as never)).toBeNull();
    expect(capture.wrapComponent(undefined as never)).toBeUndefined();
  });
});

describe('attributionPlugin', () => {
  it('makes each new entry with a campaign the last touch, until teardown', async () => {
    uninstall?.();
    const runtime = new FakeRuntime({ platform: 'wechat', appId: 'wx1', domains: [], launch: { path: 'p/a', scene: 1053 } });
    uninstall = runtime.install();
    const sent: TouchpointEvent[] = [];
    const attribution = attributionPlugin();
    const tp = createTracker({
      writeKey: 'wk',
      endpoint: '',
      transport: async ({ body }) => (sent.push(...JSON.parse(body).batch), { status: 200 }),
      plugins: [attribution],
    });
    runtime.pageLoaders.set('p/a', () => (globalThis as any).Page({}));
    runtime.start(() => (globalThis as any).App({}));
    await pause();
    tp.track('First');
    runtime.hide();
    runtime.show({ path: 'p/a', query: { utm_source: 'sms', utm_medium: 'sms' }, scene: 1001 });
    tp.track('Second');
    attribution.teardown();
    runtime.hide();
    runtime.show({ path: 'p/a', query: { utm_source: 'ad' }, scene: 1045 });
    tp.track('Third');
    await pause();
    await tp.flush();
    const last = (name: string) =>
      (sent.find((e) => (e as { event?: string }).event === name)!.context!.attribution as { last: { scene: number; utm?: object } }).last;
    expect(last('First')).toMatchObject({ scene: 1053 });
    expect(last('Second')).toMatchObject({ scene: 1001, utm: { source: 'sms', medium: 'sms' } });
    expect(last('Third')).toMatchObject({ scene: 1001, utm: { source: 'sms' } });
  });
});

describe('attribution from the entry', () => {
  it('decodes the UTM parameters a mini-program code carries in its scene parameter, and keeps the scene', () => {
    const touch = entryTouch(
      { path: 'pages/index/index', query: { scene: encodeURIComponent('utm_source=poster&utm_campaign=spring&gdt_vid=g1') }, scene: 1047 },
      'wechat',
      't',
    );
    expect(touch).toMatchObject({ utm: { source: 'poster', campaign: 'spring' }, clickIds: { gdt_vid: 'g1' }, scene: 1047 });
  });

  it('takes UTM parameters and click ids from the launch query, and the opening app', () => {
    expect(
      entryTouch(
        { path: 'p', query: { utm_source: 'weibo', utm_medium: 'cpc', bd_vid: 'b1', qz_gdt: 'q1' }, scene: 1037, referrerAppId: 'wxother' },
        'wechat',
        't',
      ),
    ).toMatchObject({
      utm: { source: 'weibo', medium: 'cpc' },
      clickIds: { bd_vid: 'b1', qz_gdt: 'q1' },
      referrerAppId: 'wxother',
    });
  });

  it('leaves the last touch alone on a return to the app, unless the return carries a campaign', () => {
    expect(entryTouch({ path: 'p', query: {}, scene: 1001 }, 'wechat', 't')).toBeUndefined();
    expect(entryTouch({ path: 'p', query: {}, scene: 21001 }, 'douyin', 't')).toBeUndefined();
    expect(entryTouch({ path: 'p', query: {}, scene: 1002 }, 'alipay', 't')).toBeUndefined();
    expect(entryTouch({ path: 'p', query: { utm_source: 'sms' }, scene: 1001 }, 'wechat', 't')).toMatchObject({ utm: { source: 'sms' } });
    expect(entryTouch({ path: 'p', query: {}, scene: 1053 }, 'wechat', 't')).toMatchObject({ scene: 1053 });
  });

  it('survives hostile launch queries', () => {
    const queries: Record<string, string>[] = [
      { scene: '%E0%A4%A' },
      { tp_sharer: '', tp_sd: 'NaN' },
      { tp_sharer: 'x', tp_sd: '-5' },
      { utm_source: 'a'.repeat(5000) },
    ];
    for (const query of queries) {
      expect(() => entryTouch({ path: 'p', query, scene: 1047 }, 'wechat', 't')).not.toThrow();
    }
    expect(entryTouch({ path: 'p', query: { tp_sharer: 'x', tp_sd: '-5' }, scene: 1007 }, 'wechat', 't')?.share).toEqual({ sharer: 'x', depth: 1 });
  });
});
