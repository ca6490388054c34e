import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../sdk/miniprogram/host';
import { startCollector, type TestCollector } from '../../sdk/miniprogram/testing/collector';
import { FakeRuntime, FakeStorage, type Launch } from '../../sdk/miniprogram/testing/fake-runtime';
import { runMiniProgram } from '../../sdk/miniprogram/testing/run-mini-program';

// This example mini-program (app.js, app.json, pages/) with the built CommonJS SDK
// (dist/miniprogram/touchpoint.js, as WeChat's "build npm" would give it to `require('touchpoint')`),
// run in the fake runtime of each platform against the real collector. `npm test` builds first.
const PROJECT = new URL('.', import.meta.url).pathname;
const BUILT = new URL('../../dist/miniprogram/touchpoint.js', import.meta.url).pathname;

const PLATFORMS: Record<Platform, { appId: string; search: Launch['scene']; share: Launch['scene']; qr: Launch['scene'] }> = {
  wechat: { appId: 'wx8a1f3c5e7d9b2460', search: 1053, share: 1007, qr: 1047 },
  alipay: { appId: '2021004131600001', search: '1005', share: '1007', qr: '1011' },
  douyin: { appId: 'tt5e2a9c7b31f0d8e401', search: '022001', share: '024001', qr: '021002' },
};
const SALT = 'journey-salt-0123456789';

let collector: TestCollector;
let config: string;
beforeAll(async () => {
  collector = await startCollector({
    writeKeys: [
      {
        key: 'wk_mini',
        name: 'shop-mini',
        kind: 'browser',
        allowedOrigins: ['https://shop.example'],
        allowedMiniprograms: Object.values(PLATFORMS).map((p) => p.appId),
      },
    ],
    pii: { salt: SALT, paths: [{ path: 'traits.openid', kind: 'text' }] },
  });
  config = join(await mkdtemp(join(tmpdir(), 'tp-mini-app-')), 'config.js');
  await writeFile(config, `module.exports = { writeKey: 'wk_mini', endpoint: ${JSON.stringify(collector.endpoint)} };`);
});
afterAll(() => collector?.stop());

// A person's pace: the app's JavaScript runs between taps.
const pause = (ms = 15) => new Promise((resolve) => setTimeout(resolve, ms));
const until = async (check: () => boolean, ms = 3000) => {
  for (const end = Date.now() + ms; !check() && Date.now() < end;) await pause(5);
};

function launch(platform: Platform, storage: FakeStorage, entry: Launch, online = true) {
  const runtime = new FakeRuntime({ platform, appId: PLATFORMS[platform].appId, domains: [collector.domain], launch: entry, storage, online, latencyMs: 30 });
  const context = runMiniProgram(runtime, PROJECT, { touchpoint: BUILT, './config.js': config });
  const app = () => (context.getApp as () => { tp: { anonymousId(): string; stats(): { queued: number } }; globalData: Record<string, unknown> })();
  return { runtime, app };
}

describe.each(Object.keys(PLATFORMS) as Platform[])('the example shop on %s', (platform) => {
  const { appId, search, share, qr } = PLATFORMS[platform];

  it('needs the build', () => {
    expect(existsSync(BUILT), 'run `npm run build` first').toBe(true);
  });

  it('shared card → browse → cart → order → hide → killed → relaunch offline → back online: every event once, attributed', async () => {
    // A sharer finds the shop through search and shares a product to a chat.
    const sharer = launch(platform, new FakeStorage(platform), { path: 'pages/index/index', scene: search });
    await pause();
    sharer.runtime.navigateTo('/pages/item/item?id=sku-oolong');
    await pause();
    const card = sharer.runtime.shareToChat();
    const sharerId = sharer.app().tp.anonymousId();
    expect(card.path).toMatch(new RegExp(`^/pages/item/item\\?id=sku-oolong&tp_sharer=${sharerId}&tp_sd=1&tp_sid=\\w+$`));
    sharer.runtime.hide();
    await sharer.runtime.settled();
    sharer.runtime.kill();

    // A friend opens the card: a new user, their own storage.
    const storage = new FakeStorage(platform);
    const [path, search_] = card.path.slice(1).split('?');
    const first = launch(platform, storage, { path, query: Object.fromEntries(new URLSearchParams(search_)), scene: share });
    const { runtime } = first;
    await pause();
    const user = first.app().tp.anonymousId();
    const steps: (() => unknown)[] = [
      () => runtime.navigateTo('/pages/index/index'),
      () => runtime.tap('onOpenProduct', { id: 'puer', dataset: { productId: 'sku-puer', position: 1 } }),
      () => runtime.navigateTo('/pages/item/item?id=sku-puer'),
      () => runtime.tap('onAddToCart', { dataset: { sku: 'sku-puer' } }),
      () => runtime.navigateTo('/pages/cart/cart'),
      () => runtime.tap('onCheckout'),
      () => runtime.navigateTo('/pages/order/order?order_id=o-1001'),
      () => {
        // The app's own login exchange (wx.login → its server) put the session here.
        first.app().globalData.session = { userId: 'u-1001', openid: 'oAbC123' };
        runtime.tap('onLogin');
      },
      () => runtime.tap('onPay'),
    ];
    for (const step of steps) {
      step();
      await pause();
    }
    // Home button: the app is hidden, and killed as its send leaves, before the answer comes back.
    runtime.onRequest = () => setTimeout(() => runtime.kill(), 0);
    runtime.hide();
    await until(() => runtime.isDead);
    await runtime.settled();

    // Days later, from a poster's QR code, with no network.
    const poster: Launch = {
      path: 'pages/index/index',
      query: { scene: encodeURIComponent('utm_source=poster&utm_medium=qr&utm_campaign=spring') },
      scene: qr,
    };
    const second = launch(platform, storage, poster, false);
    await pause();
    second.runtime.navigateTo('/pages/item/item?id=sku-oolong');
    await pause();
    second.runtime.tap('onAddToCart');
    await pause(100);
    expect(second.runtime.requests).toHaveLength(0);
    expect(second.app().tp.stats().queued).toBeGreaterThanOrEqual(7); // at least this launch's own, none sent
    second.runtime.setOnline(true);
    for (let i = 0; i < 50 && second.app().tp.stats().queued > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    await second.runtime.settled();
    expect(second.app().tp.stats().queued).toBe(0);

    const events = (await collector.events()).filter((e) => e.anonymousId === user).sort((a, b) => a.context.seq - b.context.seq);
    const ids = events.map((e) => e.messageId);
    expect(new Set(ids).size, 'each event once at the sink').toBe(ids.length);
    // The kill swallowed the answer to the hide's send: those events were sent again at the next
    // launch, and the collector knew them (de-dup by messageId) — at least once on the wire, once in storage.
    const duplicates = second.runtime.requests.reduce((sum, r) => sum + (JSON.parse(r.response ?? '{}').duplicates ?? 0), 0);
    expect(duplicates).toBeGreaterThan(0);
    const names = events.map((e) => (e.type === 'track' ? e.event : `${e.type}:${e.name ?? ''}`));
    expect(names).toEqual([
      'Application Opened',
      'page:pages/item/item',
      'Product Viewed',
      'Page Left',
      'page:pages/index/index',
      'Element Tapped',
      'Page Left',
      'page:pages/item/item',
      'Product Viewed',
      'Element Tapped',
      'Product Added',
      'Page Left',
      'page:pages/cart/cart',
      'Element Tapped',
      'Checkout Started',
      'Page Left',
      'page:pages/order/order',
      'Element Tapped',
      'identify:',
      'Element Tapped',
      'Order Completed',
      'Page Left',
      'Application Backgrounded',
      'Application Opened',
      'page:pages/index/index',
      'Page Left',
      'page:pages/item/item',
      'Product Viewed',
      'Element Tapped',
      'Product Added',
    ]);
    expect(events.map((e) => e.context.seq)).toEqual(events.map((_, i) => i + 1));

    const byName = (name: string) => events.filter((e) => e.event === name);
    const opened = byName('Application Opened');
    expect(opened[0]!.properties).toMatchObject({
      from_background: false,
      scene: Number(share),
      path: 'pages/item/item',
      query: { id: 'sku-oolong', tp_sharer: sharerId, tp_sd: '1' },
    });
    expect(opened[1]!.properties).toMatchObject({ from_background: false, scene: Number(qr), path: 'pages/index/index' });
    for (const e of events) {
      expect(e.context.miniprogram).toMatchObject({ platform, appId, scene: expect.any(Number), hostVersion: expect.any(String) });
      expect(e.context.library.name).toBe('touchpoint');
    }

    // First touch: the friend's share; the channel of the first launch's events: a share, on the web's groups.
    const beforeKill = events.slice(0, 23);
    for (const e of beforeKill) {
      expect(e.context.attribution.first).toMatchObject({ share: { sharer: sharerId, depth: 1 }, scene: Number(share) });
      expect(e.context.channel).toMatchObject({ group: 'Organic Social', medium: 'share', source: platform });
    }
    // After the poster: the QR code and its UTM parameters are the last touch; the share stays first.
    for (const e of events.slice(23)) {
      expect(e.context.attribution.first.share.sharer).toBe(sharerId);
      expect(e.context.attribution.last).toMatchObject({ scene: Number(qr), utm: { source: 'poster', medium: 'qr', campaign: 'spring' } });
      expect(e.context.channel).toEqual({ group: 'QR Code', source: 'poster', medium: 'qr', campaign: 'spring' });
    }

    const tapped = byName('Element Tapped')[0]!;
    expect(tapped.properties).toEqual({
      handler: 'onOpenProduct',
      path: 'pages/index/index',
      element_id: 'puer',
      dataset: { productId: 'sku-puer', position: 1 },
    });
    const order = byName('Order Completed')[0]!;
    expect(order).toMatchObject({ userId: 'u-1001', properties: { order_id: 'o-1001', revenue: 128, currency: 'CNY' } });
    const identify = events.find((e) => e.type === 'identify')!;
    expect(identify.userId).toBe('u-1001');
    expect(identify.traits.openid).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(events)).not.toContain('oAbC123');
    const left = byName('Page Left')[0]!;
    expect(left.properties).toMatchObject({
      path: 'pages/item/item',
      url: expect.stringContaining('pages/item/item?id=sku-oolong'),
      time_on_page_ms: expect.any(Number),
    });
    const pageView = events.find((e) => e.type === 'page' && e.name === 'pages/cart/cart')!;
    expect(pageView.properties).toEqual({ path: 'pages/cart/cart', query: {}, url: 'pages/cart/cart' });
    expect(pageView.context.page).toEqual({ path: 'pages/cart/cart', url: 'pages/cart/cart', referrer: 'pages/item/item' });

    // As a mini-program sends them: the host's Referer, no Origin, no cookie; at most 2 at once.
    for (const r of [...runtime.requests, ...second.runtime.requests]) {
      expect(r.headers.origin).toBeUndefined();
      expect(r.headers.cookie).toBeUndefined();
      expect(r.headers.referer).toContain(appId);
    }
    expect(runtime.maxConcurrent).toBeLessThanOrEqual(2);
    expect(second.runtime.maxConcurrent).toBeLessThanOrEqual(2);
  });

  it('refuses the key from a mini-program the key does not list', async () => {
    const runtime = new FakeRuntime({
      platform,
      appId: `${appId.slice(0, 2)}0000000000000000`,
      domains: [collector.domain],
      launch: { path: 'pages/index/index', scene: search },
    });
    const context = runMiniProgram(runtime, PROJECT, { touchpoint: BUILT, './config.js': config });
    const tp = (context.getApp as () => { tp: { flush(): Promise<void>; stats(): { queued: number; dropped: { rejected: number } } } })().tp;
    await pause(50);
    await tp.flush();
    await runtime.settled();
    expect(runtime.requests.map((r) => r.status)).toEqual([403]);
    // Application Opened and the first page view: refused, dropped, counted.
    expect(tp.stats()).toMatchObject({ queued: 0, dropped: { rejected: 2 } });
  });
});
