import { expect, test } from 'touchpoint/testing';

// Tracking that fails must never break the shop, and the SDK must deliver everything once the
// collector is back. The fault switches make the test collector fail on purpose; the matchers do
// not poke the pages here, so what is measured is the SDK's own retrying.
test.use({ trackingFlush: false });
const patient = expect.configure({ timeout: 30_000 });

async function checkout(page: import('@playwright/test').Page) {
  await page.goto('/');
  const tea = page.locator('[data-product-id="sku-tea"]');
  await tea.getByRole('button', { name: 'View' }).click();
  await tea.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByRole('button', { name: 'Checkout' }).click();
  await page.getByRole('button', { name: 'Place order' }).click(); // the shop flushes here
  await expect(page.locator('#order-status')).toContainText('placed', { timeout: 2000 });
}

/** Every event once: nothing lost, nothing written twice. */
function expectEachOnce(tracking: { good(): { messageId: string; event?: string; type: string }[] }) {
  const events = tracking.good();
  expect(new Set(events.map((e) => e.messageId)).size).toBe(events.length);
  for (const name of ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed']) {
    expect(
      events.filter((e) => e.event === name),
      name,
    ).toHaveLength(1);
  }
}

test('503 three times: the shop keeps working, the SDK retries with backoff and delivers every event once', async ({ page, tracking }) => {
  const errors: Error[] = [];
  page.on('pageerror', (e) => errors.push(e));
  const outage = tracking.fail({ status: 503, times: 3 });
  await checkout(page);
  await patient(tracking).toHaveTracked('Order Completed', { revenue: 68 });
  expect(outage).toMatchObject({ hits: 3, done: true });
  await patient(tracking).toHaveTrackedInOrder(['page', 'Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed']);
  expectEachOnce(tracking);
  await expect(tracking).toHaveNoInvalidEvents();
  expect(errors).toEqual([]);
});

test('429 with Retry-After: the SDK waits as long as it is told before sending again', async ({ page, tracking }) => {
  const limited = tracking.fail({ status: 429, retryAfter: 3, times: 1 });
  await page.goto('/');
  await page.evaluate(() => (window as any).touchpoint.flush()); // answered 429
  expect(limited.hits).toBe(1);
  const refusedAt = Date.now();
  await patient(tracking).toHaveTracked('page');
  // Its own backoff would have retried within a second; the collector asked for three.
  expect(Date.now() - refusedAt).toBeGreaterThanOrEqual(2500);
});

test('a stalled collector never holds the page up; what was sent arrives once it answers', async ({ page, tracking }) => {
  const stall = tracking.fail({ stall: true });
  await checkout(page); // the page answered at once, while its tracking is held
  await expect.poll(() => stall.hits).toBeGreaterThanOrEqual(1);
  expect(tracking.good()).toEqual([]); // nothing answered yet
  tracking.heal();
  await patient(tracking).toHaveTracked('Order Completed');
  expectEachOnce(tracking);
});

test('refused connections: the SDK keeps the events and sends them once the collector is reachable', async ({ page, tracking }) => {
  const down = tracking.fail({ refuse: true, times: 2 });
  await checkout(page);
  await patient(tracking).toHaveTracked('Order Completed');
  expect(down.hits).toBe(2);
  expectEachOnce(tracking);
});
