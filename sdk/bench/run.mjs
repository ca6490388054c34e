// `npm run bench:sdk`: the SDK's size per usage fixture (gzip -9 and brotli), and the main-thread
// cost of track() in Chromium: per call over a large burst, and the longest task a burst causes.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { bundleFixture, FIXTURES, MINIPROGRAM_ANCHORS, miniprogramBundle, scriptTagBundle } from './fixtures.mjs';

const sizes = (code) => ({
  minified: Buffer.byteLength(code),
  gzip: gzipSync(code, { level: 9 }).length,
  brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});

const fixtures = {
  'script tag (dist/touchpoint.min.js)': scriptTagBundle(),
  'script tag, full (dist/touchpoint.full.min.js)': scriptTagBundle('touchpoint.full.min.js'),
  'mini-program, one CommonJS file (dist/miniprogram/touchpoint.js)': miniprogramBundle(),
};
for (const [name, source] of Object.entries(FIXTURES)) fixtures[name] = await bundleFixture(source);
console.log('| fixture | minified B | gzip -9 B | brotli B |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, code] of Object.entries(fixtures)) {
  const s = sizes(code);
  console.log(`| ${name} | ${s.minified.toLocaleString('en')} | ${s.gzip.toLocaleString('en')} | ${s.brotli.toLocaleString('en')} |`);
}

const mini = sizes(miniprogramBundle()).gzip;
console.log('\nMini-program SDKs (gzip -9): Touchpoint measured here; the anchors as issue 13 quotes them (one SDK per platform each)');
console.log('| SDK | gzip B | Touchpoint / it |');
console.log('| --- | ---: | ---: |');
console.log(`| Touchpoint (WeChat, Alipay, Douyin in one file, every plugin) | ${mini.toLocaleString('en')} | 1.00 |`);
for (const [name, bytes] of Object.entries(MINIPROGRAM_ANCHORS)) console.log(`| ${name} | ${bytes.toLocaleString('en')} | ${(mini / bytes).toFixed(2)} |`);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const page = await browser.newPage();
// The page and the collector share a localhost origin: a secure context, as the https pages the SDK
// runs on in production are, so ids come from crypto.randomUUID and not the plain-http fallback.
await page.route('http://localhost:8123/**', (route) =>
  route.fulfill({ status: 200, contentType: 'application/json', body: '{"success":true,"accepted":0,"duplicates":0,"rejected":[]}' }),
);
await page.goto('http://localhost:8123/').catch(() => {});
await page.setContent('<!doctype html><title>bench</title>');
await page.addScriptTag({ content: fixtures['script tag (dist/touchpoint.min.js)'] });
const result = await page.evaluate(async () => {
  const tp = window.touchpoint;
  tp.init({ writeKey: 'bench', endpoint: 'http://localhost:8123' });
  await tp.flush(); // the stored state has loaded
  const longTasks = [];
  new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask', buffered: false });
  // performance.now() is coarsened to 5 µs here, so calls are timed in groups of 50. Each group is
  // followed by the same count of a floor any tracker pays (build the event with an id and a time,
  // serialise it, keep it), so that a noisy machine shows in both figures.
  const perCall = [];
  const floor = [];
  const kept = [];
  for (let group = 0; group < 400; group++) {
    let t0 = performance.now();
    for (let i = 0; i < 50; i++) tp.track('Product Viewed', { product_id: `sku-${i}`, price: 68, currency: 'CNY', position: i });
    perCall.push((performance.now() - t0) / 50);
    t0 = performance.now();
    for (let i = 0; i < 50; i++) {
      const event = {
        type: 'track',
        event: 'Product Viewed',
        properties: { product_id: `sku-${i}`, price: 68, currency: 'CNY', position: i },
        messageId: crypto.randomUUID?.() ?? String(Math.random()),
        timestamp: new Date().toISOString(),
        context: { page: { url: location.href, title: document.title } },
      };
      kept.push(JSON.stringify(event));
    }
    floor.push((performance.now() - t0) / 50);
    kept.length = 0;
    await new Promise((r) => setTimeout(r, 0));
  }
  await tp.flush();
  await new Promise((r) => setTimeout(r, 200));
  const burstTasks = longTasks.length;
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) tp.track('Burst', { i });
  const burstSync = performance.now() - t0;
  await tp.flush();
  await new Promise((r) => setTimeout(r, 500));
  perCall.sort((a, b) => a - b);
  floor.sort((a, b) => a - b);
  const burst = longTasks.slice(burstTasks);
  return {
    medianMs: perCall[Math.floor(perCall.length / 2)],
    floorMedianMs: floor[Math.floor(floor.length / 2)],
    p99Ms: perCall[Math.floor(perCall.length * 0.99)],
    burst1000SyncMs: burstSync,
    longTasksDuringBurst: burst.length,
    longestTaskMs: Math.max(0, ...burst),
  };
});
const version = browser.version();
await browser.close();
console.log(`\ntrack() on the main thread (Chromium ${version}, 20,000 calls timed in groups of 50):`);
console.log(`median ${result.medianMs.toFixed(4)} ms per call, p99 ${result.p99Ms.toFixed(4)} ms per call`);
console.log(
  `floor in the same run (build + JSON.stringify + keep one event): median ${result.floorMedianMs.toFixed(4)} ms; track() / floor ${(result.medianMs / result.floorMedianMs).toFixed(1)}`,
);
console.log(
  `burst of 1,000 calls: ${result.burst1000SyncMs.toFixed(1)} ms synchronous, ${result.longTasksDuringBurst} long tasks (> 50 ms), longest ${result.longestTaskMs.toFixed(0)} ms`,
);
