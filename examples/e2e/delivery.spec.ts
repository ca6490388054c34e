import { randomUUID } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { readStream } from './ndjson';

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

test('without IndexedDB (a private mode) tracking still works', async ({ page }) => {
  const run = randomUUID();
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { get: () => undefined });
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await trackSome(page, run, 3);
  await page.evaluate(() => (window as any).touchpoint.flush());
  await expectExactlyOnce(run, 3);
  expect(errors).toEqual([]);
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
