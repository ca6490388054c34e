import { randomUUID } from 'node:crypto';
import { expect, test, type Page, type Request } from '@playwright/test';
import { readStream } from './ndjson';
import { sentEvents } from './wire';

// Delivery in real Chromium against the real collector: nothing tracked is lost, nothing lands twice.

async function trackSome(page: Page, run: string, count: number, from = 0) {
  await page.evaluate(
    ({ run, count, from }) => {
      for (let i = from; i < from + count; i++) (window as any).touchpoint.track('Delivery Check', { run, i });
    },
    { run, count, from },
  );
}

async function landed(run: string): Promise<number[]> {
  return (await readStream('events')).filter((e) => e.properties?.run === run).map((e) => e.properties.i);
}

async function expectExactlyOnce(run: string, count: number) {
  await expect.poll(async () => (await landed(run)).length, { timeout: 20_000 }).toBe(count);
  expect((await landed(run)).sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
}

test('offline, then online: every event is delivered once', async ({ page, context }) => {
  const run = randomUUID();
  await page.goto('/');
  await page.evaluate(() => (window as any).touchpoint.flush());
  await context.setOffline(true);
  await trackSome(page, run, 30);
  await page.evaluate(() => (window as any).touchpoint.flush()); // fails: offline
  expect(await landed(run)).toEqual([]);
  await context.setOffline(false); // the `online` event flushes at once
  await expectExactlyOnce(run, 30);
});

test('a tab closed with events pending still delivers them', async ({ page }) => {
  const run = randomUUID();
  await page.goto('/');
  await page.evaluate(() => (window as any).touchpoint.flush());
  await trackSome(page, run, 5); // fewer than flushAt, before flushInterval: still queued
  await page.close({ runBeforeUnload: true }); // pagehide: sent with fetch keepalive
  await expectExactlyOnce(run, 5);
});

test('a reload with a pending queue sends it once', async ({ page, context }) => {
  const run = randomUUID();
  await page.goto('/');
  await page.evaluate(() => (window as any).touchpoint.flush());
  await context.setOffline(true);
  await trackSome(page, run, 12);
  await page.evaluate(() => (window as any).touchpoint.flush());
  // Leave while offline: the events can only survive in IndexedDB.
  await page.goto('about:blank');
  await context.setOffline(false);
  await page.goto('/');
  await expectExactlyOnce(run, 12);
});

test('without IndexedDB (a private mode) the queue lives in localStorage and survives a reload', async ({ page, context }) => {
  const run = randomUUID();
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { get: () => undefined });
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await page.evaluate(() => (window as any).touchpoint.flush());
  await context.setOffline(true);
  await trackSome(page, run, 3);
  await page.evaluate(() => (window as any).touchpoint.flush()); // fails: offline
  const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tp:v1:queue:')).length);
  expect(stored).toBeGreaterThanOrEqual(3);
  await page.goto('about:blank');
  await context.setOffline(false);
  await page.goto('/');
  await expectExactlyOnce(run, 3);
  expect(errors).toEqual([]);
});

test('two tabs tracking at once: every event is sent by one tab, once, and lands once', async ({ context }) => {
  const run = randomUUID();
  // Requests that reached the collector (an attempt made offline fails and counts for nothing).
  const requests: Request[] = [];
  context.on('requestfinished', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/v1/batch') requests.push(r);
  });
  const [a, b] = [await context.newPage(), await context.newPage()];
  await a.goto('/');
  await a.evaluate(() => (window as any).touchpoint.flush());
  // Tab A queues events offline; tab B opens and adopts them from the shared store; both track more.
  await context.setOffline(true);
  await trackSome(a, run, 15);
  await a.evaluate(() => (window as any).touchpoint.flush());
  await b.goto('/').catch(() => {}); // offline: the page itself may come from cache only
  await context.setOffline(false);
  await b.goto('/');
  await Promise.all([trackSome(a, run, 40, 15), trackSome(b, run, 45, 55)]);
  await Promise.all([a, b].map((tab) => tab.evaluate(() => (window as any).touchpoint.flush())));
  await expectExactlyOnce(run, 100);
  const onWire = () =>
    sentEvents(requests)
      .filter((e) => e.properties?.run === run)
      .map((e) => e.messageId);
  await expect.poll(() => onWire().length).toBeGreaterThanOrEqual(100);
  await a.waitForTimeout(1000); // time for a second send of anything, were there one
  expect(onWire()).toHaveLength(100);
  expect(new Set(onWire()).size).toBe(100);
});

test("a tab's unsent events are picked up by the other tab when it closes", async ({ context }) => {
  const run = randomUUID();
  const [a, b] = [await context.newPage(), await context.newPage()];
  await b.goto('/');
  await a.goto('/');
  await a.evaluate(() => (window as any).touchpoint.flush());
  // Refuse tab A's sends (as a dead network would) so its events stay queued; then close it without unload.
  await a.route('**/v1/batch', (route) => route.abort());
  await trackSome(a, run, 6);
  await a.evaluate(() => (window as any).touchpoint.flush());
  await a.close();
  await b.bringToFront(); // the remaining tab comes to the front and sends what A left
  await b.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  await expectExactlyOnce(run, 6);
});

test('large batches go gzip-compressed and land intact', async ({ page }) => {
  const run = randomUUID();
  const encodings: (string | undefined)[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/v1/batch') encodings.push(r.headers()['content-encoding']);
  });
  await page.goto('/');
  await page.evaluate(() => (window as any).touchpoint.flush());
  encodings.length = 0;
  await trackSome(page, run, 20); // flushAt: sent at once, about 20 × 700 B
  await expectExactlyOnce(run, 20);
  expect(encodings).toContain('gzip');
});

test('bad calls from the page never throw', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  const threw = await page.evaluate(() => {
    const tp = (window as any).touchpoint;
    const circular: any = {};
    circular.self = circular;
    try {
      tp.track();
      tp.track(42);
      tp.track('x', circular);
      tp.identify({ not: 'a string' }, 5);
      tp.page(null, 'props');
      tp.init('twice');
      tp.nonsense?.();
      return false;
    } catch {
      return true;
    }
  });
  expect(threw).toBe(false);
  expect(errors).toEqual([]);
});
