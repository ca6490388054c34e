import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCollector } from 'touchpoint/collector';
import { expect, test } from 'touchpoint/testing';

// The live event view at /debug, in Chromium: open on the test collector, behind the admin token
// on a real one.

test('the test collector’s live view shows accepted and rejected events side by side as they arrive, filterable', async ({ page, context, tracking }) => {
  const view = await context.newPage();
  await view.goto(`${tracking.url}/debug`);
  await expect(view.locator('#status')).toHaveText('live');

  await page.goto('/'); // the demo shop; its tracking goes to the test collector
  await page.locator('[data-product-id="sku-tea"]').getByRole('button', { name: 'View' }).click();
  await page.evaluate(() => (window as any).touchpoint.flush());
  await expect(view.locator('#good li', { hasText: 'Product Viewed' })).toBeVisible();
  await expect(view.locator('#good li', { hasText: 'Product Viewed' })).toContainText('key demo');

  // A rejected event shows with its reason; a hostile name is shown as text, never run.
  await page.evaluate(() =>
    fetch('/v1/batch', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({
        writeKey: 'demo',
        batch: [
          { type: 'track', messageId: 'no-name', anonymousId: 'qa-anon', properties: {} },
          { type: 'track', event: '<img src=x onerror="window.pwned=1">', messageId: 'hostile', anonymousId: 'qa-anon', properties: {} },
        ],
      }),
    }),
  );
  const rejected = view.locator('#bad li').first();
  await expect(rejected).toContainText('event: Invalid input');
  await expect(view.locator('#good li', { hasText: '<img src=x onerror="window.pwned=1">' })).toBeVisible();
  expect(await view.evaluate(() => (window as any).pwned)).toBeUndefined();
  await expect(view.locator('#good-count')).not.toHaveText('0');

  await view.fill('#f-event', 'Product Viewed');
  await expect(view.locator('#good li')).toHaveCount(1);
  await view.fill('#f-event', '');
  await view.fill('#f-anonymousId', 'qa-anon');
  await expect(view.locator('#good li')).toHaveCount(1);
  await expect(view.locator('#bad li')).toHaveCount(1);
  await view.fill('#f-source', 'another-key');
  await expect(view.locator('#good li')).toHaveCount(0);
});

test.describe('on a real collector', () => {
  test.use({ trackingEndpoints: false }); // the shop sends to that collector itself

  test('without an admin token /debug does not exist', async ({ request }) => {
    // The collector Playwright starts for the suite has no admin token.
    for (const path of ['/debug', '/debug/stream']) expect((await request.get(path)).status()).toBe(404);
  });

  test('with one, the page asks for it, refuses a wrong one, and shows the demo shop’s events as they arrive', async ({ page, context }) => {
    const token = 'qa-admin-token-0123456789';
    const dataDir = await mkdtemp(join(tmpdir(), 'qa-live-'));
    const collector = await createCollector({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'warn', admin: { token } });
    const { url } = await collector.start();
    try {
      await page.goto(`${url}/debug`);
      await expect(page.locator('#token-form')).toBeVisible();
      await page.fill('#token', 'not-the-token-0123456789');
      await page.locator('#token-form button').click();
      await expect(page.locator('#token-error')).toHaveText('That token was refused.');
      await page.fill('#token', token);
      await page.locator('#token-form button').click();
      await expect(page.locator('#status')).toHaveText('live');
      await expect(page.locator('#token-form')).toBeHidden();

      const shop = await context.newPage();
      await shop.goto(`${url}/`);
      await shop.locator('[data-product-id="sku-cup"]').getByRole('button', { name: 'Add to cart' }).click();
      await shop.evaluate(() => (window as any).touchpoint.flush());
      await expect(page.locator('#good li', { hasText: 'Product Added' })).toBeVisible();
      await expect(page.locator('#good li', { hasText: 'Element Clicked' })).toBeVisible();
      // The token stays with this tab only: a reload reconnects without asking again.
      await page.reload();
      await expect(page.locator('#status')).toHaveText('live');
    } finally {
      await collector.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
