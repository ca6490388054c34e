import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTracker, type MiniProgramTrackerOptions } from './index';
import { startCollector, type TestCollector } from './testing/collector';
import { FakeRuntime, FakeStorage, type FakeRuntimeOptions } from './testing/fake-runtime';
import type { Platform } from './host';

// The ESM build's createTracker on the fake runtime of each platform, against the real collector.
let collector: TestCollector;
beforeAll(async () => {
  collector = await startCollector({ writeKeys: [{ key: 'wk_mp', name: 'mp' }] });
});
afterAll(() => collector?.stop());

let uninstall: (() => void) | undefined;
afterEach(() => {
  uninstall?.();
  uninstall = undefined;
});

const pause = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));
const until = async (check: () => boolean | Promise<boolean>, ms = 3000) => {
  const end = Date.now() + ms;
  while (!(await check()) && Date.now() < end) await pause(10);
};

function boot(platform: Platform, options: Partial<FakeRuntimeOptions> = {}, tracker: Partial<MiniProgramTrackerOptions> = {}) {
  uninstall?.();
  const runtime = new FakeRuntime({
    platform,
    appId: `${platform}-app`,
    domains: [collector.domain],
    launch: { path: 'pages/index/index', scene: platform === 'douyin' ? '021001' : 1001 },
    ...options,
  });
  uninstall = runtime.install();
  const tp = createTracker({ writeKey: 'wk_mp', endpoint: collector.endpoint, flushAt: 1000, flushInterval: 60_000, ...tracker });
  return { runtime, tp };
}
const landed = async (ids: string[]) => {
  const events = await collector.events();
  return ids.map((id) => events.filter((e) => e.properties?.run === id).length);
};

describe.each(['wechat', 'alipay', 'douyin'] as const)('on %s', (platform) => {
  it('sends the 20 events queued at hide at once, beside a request already in flight, within the suspension window', async () => {
    const run = `hide-${platform}`;
    const { runtime, tp } = boot(platform, { latencyMs: 1000, suspendAfterMs: 5000 });
    for (let i = 0; i < 3; i++) tp.track('Before', { run, i });
    void tp.flush(); // its answer takes a second
    await until(() => runtime.requests.length === 1);
    for (let i = 0; i < 20; i++) tp.track('Queued', { run, i });
    await until(() => tp.stats().queued === 23);
    const hiddenAt = Date.now();
    runtime.hide();
    await until(() => runtime.requests.length === 2);
    // Sent at once, not after the request in flight: two at once, the cap.
    expect(Date.now() - hiddenAt).toBeLessThan(500);
    expect(runtime.requests).toHaveLength(2);
    expect(JSON.parse(runtime.requests[1]!.body).batch).toHaveLength(20);
    await until(async () => (await landed([run]))[0] === 23);
    const took = Date.now() - hiddenAt;
    expect(took).toBeLessThan(5000);
    expect(await landed([run])).toEqual([23]);
    await until(() => tp.stats().queued === 0);
    expect(tp.stats()).toMatchObject({ sent: 23, queued: 0 });
    expect(runtime.maxConcurrent).toBe(2);
  });

  it('when a kill cuts the window short, sends the rest at the next launch, and the collector writes none twice', async () => {
    const run = `kill-${platform}`;
    const storage = new FakeStorage(platform);
    const first = boot(platform, { storage, latencyMs: 200 });
    for (let i = 0; i < 20; i++) first.tp.track('Queued', { run, i });
    await pause();
    first.runtime.onRequest = () => setTimeout(() => first.runtime.kill(), 0); // as the send leaves
    first.runtime.hide();
    await until(() => first.runtime.isDead);
    await first.runtime.settled(); // the answer (and the removal from storage) never happens
    expect(await landed([run])).toEqual([20]);

    first.tp.track('After death', { run }); // the old JavaScript is gone: nothing of it reaches anything
    const second = boot(platform, { storage });
    second.tp.track('Next launch', { run, i: 20 });
    await until(async () => second.tp.stats().queued === 0 && (await collector.events()).some((e) => e.event === 'Next launch' && e.properties.run === run));
    const events = (await collector.events()).filter((e) => e.properties?.run === run);
    expect(events.map((e) => e.properties.i).sort((a, b) => a - b)).toEqual([...Array(21).keys()]);
    const duplicates = second.runtime.requests.reduce((sum, r) => sum + JSON.parse(r.response!).duplicates, 0);
    expect(duplicates).toBe(20);
  });

  it('queues while offline without making requests, and sends when the network comes back', async () => {
    const run = `offline-${platform}`;
    const { runtime, tp } = boot(platform, { online: false });
    tp.track('Offline', { run });
    await tp.flush();
    expect(runtime.requests).toHaveLength(0);
    expect(tp.stats().queued).toBe(1);
    runtime.setOnline(true);
    await until(() => tp.stats().queued === 0);
    expect(await landed([run])).toEqual([1]);
  });

  it('keeps at most 2 tracking requests in flight, leaving the app its own 8 of the 10', async () => {
    const run = `cap-${platform}`;
    const { runtime, tp } = boot(platform, { latencyMs: 50 }, { maxBatchEvents: 5 });
    for (let i = 0; i < 40; i++) tp.track('Burst', { run, i });
    await pause();
    void tp.flush();
    runtime.hide(); // a second sender beside the first
    await until(async () => (await landed([run]))[0] === 40);
    expect(runtime.requests.length).toBeGreaterThanOrEqual(8);
    expect(runtime.maxConcurrent).toBe(2);
  });

  it('describes the device, the app and the entry in the context, read from the host', async () => {
    const { tp } = boot(platform, {
      launch: {
        path: 'pages/item/item',
        query: { id: '7' },
        scene: platform === 'wechat' ? 1047 : platform === 'alipay' ? '1011' : '021002',
        referrerInfo: { appId: 'other-app' },
      },
    });
    await pause(); // the network type comes back asynchronously
    tp.track('Context', { run: `context-${platform}` });
    await tp.flush();
    const [event] = (await collector.events()).filter((e) => e.properties?.run === `context-${platform}`);
    expect(event!.context).toMatchObject({
      miniprogram: {
        platform,
        appId: `${platform}-app`,
        scene: platform === 'wechat' ? 1047 : platform === 'alipay' ? 1011 : 21002,
        path: 'pages/item/item',
        query: { id: '7' },
        referrerAppId: 'other-app',
        hostVersion: expect.stringMatching(/^\d/),
        sdkVersion: expect.stringMatching(/^\d/),
      },
      os: { name: expect.stringMatching(/^(iOS|Android)$/), version: expect.stringMatching(/^\d/) },
      screen: { width: expect.any(Number), height: expect.any(Number), density: expect.any(Number) },
      locale: expect.any(String),
      network: { wifi: true, cellular: false },
      library: { name: 'touchpoint' },
    });
    expect(event!.context.device).toMatchObject({ type: 'mobile', manufacturer: expect.any(String), model: expect.any(String) });
  });
});

describe('choosing the host', () => {
  const fake = (platform: Platform) => new FakeRuntime({ platform, appId: 'a', domains: [collector.domain], launch: { path: 'p', scene: 1001 } });

  it('takes my or tt before a wx shim, and the platform named in the options', async () => {
    const alipay = fake('alipay');
    const wechat = fake('wechat');
    uninstall = alipay.install();
    (globalThis as Record<string, unknown>).wx = wechat.globals.wx;
    try {
      const detected = createTracker({ writeKey: 'wk_mp', endpoint: collector.endpoint });
      detected.track('Detected', { run: 'detect' });
      await detected.flush();
      expect(alipay.requests).toHaveLength(1);
      expect(wechat.requests).toHaveLength(0);
      const named = createTracker({ writeKey: 'wk_mp', endpoint: collector.endpoint, platform: 'wechat' });
      named.track('Named', { run: 'detect' });
      await named.flush();
      expect(wechat.requests).toHaveLength(1);
    } finally {
      delete (globalThis as Record<string, unknown>).wx;
    }
  });

  it('is a tracker that does nothing, and never throws, where there is no host (server-side rendering)', async () => {
    const tp = createTracker({ writeKey: 'wk_mp', endpoint: collector.endpoint });
    expect(() => {
      tp.track('x');
      tp.page('p');
      tp.identify('u');
    }).not.toThrow();
    await expect(tp.flush()).resolves.toBeUndefined();
    expect(tp.stats().queued).toBe(0);
    expect(() => createTracker(undefined as never)).not.toThrow();
    expect(() => createTracker({ writeKey: 'k', endpoint: '', platform: 'nokia' as never }).track('x')).not.toThrow();
  });

  it('never throws into the app, whatever it is given', async () => {
    const { tp } = boot('wechat');
    const hostile: unknown[] = [
      undefined,
      null,
      0,
      NaN,
      '',
      {},
      [],
      () => {},
      Symbol('s'),
      10n,
      {
        toString: () => {
          throw new Error('no');
        },
      },
    ];
    for (const value of hostile) {
      expect(() => tp.track(value as string, value as never)).not.toThrow();
      expect(() => tp.page(value as string, value as never)).not.toThrow();
      expect(() => tp.identify(value as string, value as never)).not.toThrow();
      expect(() => tp.group(value as string, value as never)).not.toThrow();
      expect(() => tp.alias(value as string, value as string)).not.toThrow();
    }
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => tp.track('Circular', circular)).not.toThrow();
    await tp.flush();
    expect(tp.stats().dropped.invalid).toBe(1);
  });
});
