import { expect, test, type Request } from '@playwright/test';
import { readStream } from './ndjson';
import { sentEvents } from './wire';

type SentEvent = { messageId: string; type: string; event?: string; properties?: Record<string, any> };

const recordSentEvents = (requests: Request[]) => sentEvents(requests) as SentEvent[];
// What the full build captures by itself, beside the shop's own calls.
const AUTOCAPTURED = new Set(['Element Clicked', 'Web Vital', 'Page Left']);
const shopEvents = (events: SentEvent[]) => events.filter((e) => !AUTOCAPTURED.has(e.event ?? ''));

test('the demo shop loads the SDK from the collector and its journey lands enriched in NDJSON', async ({ page }) => {
  const requests: Request[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/v1/batch') && r.method() === 'POST') requests.push(r);
  });
  const sdk = page.waitForResponse((r) => r.url().endsWith('/touchpoint.full.min.js'));
  await page.goto('/');
  expect((await sdk).status()).toBe(200);

  const tea = page.locator('[data-product-id="sku-tea"]');
  await tea.getByRole('button', { name: 'View' }).click();
  await tea.getByRole('button', { name: 'Add to cart' }).click();
  await page.locator('[data-product-id="sku-cup"]').getByRole('button', { name: 'Add to cart' }).click();
  await page.getByRole('button', { name: 'Checkout' }).click();
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.locator('#order-status')).toContainText('placed');

  // The order click flushes: wait until every tracked call has been sent and answered.
  await expect.poll(() => shopEvents(recordSentEvents(requests)).length, { timeout: 15_000 }).toBe(6);
  const sent = recordSentEvents(requests);
  expect(shopEvents(sent).map((e) => e.event ?? e.type)).toEqual([
    'page',
    'Product Viewed',
    'Product Added',
    'Product Added',
    'Checkout Started',
    'Order Completed',
  ]);
  // Each click was captured too, with the selector session replay finds the button by.
  expect(sent.filter((e) => e.event === 'Element Clicked').map((e) => e.properties!.text)).toEqual([
    'View',
    'Add to cart',
    'Add to cart',
    'Checkout',
    'Place order',
  ]);
  const orderId = shopEvents(sent).at(-1)!.properties!.order_id as string;

  const ids = new Set(sent.map((e) => e.messageId));
  await expect.poll(async () => (await readStream('events')).filter((e) => ids.has(e.messageId)).length, { timeout: 15_000 }).toBe(ids.size);

  const landed = (await readStream('events')).filter((e) => ids.has(e.messageId));
  const anonymousIds = new Set(landed.map((e) => e.anonymousId));
  expect(anonymousIds.size).toBe(1);
  for (const event of landed) {
    expect(event.receivedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(event.originalTimestamp).toBeTruthy();
    expect(event.context.ip).toBe('127.0.0.0'); // anonymised by default
    expect(event.context.library).toEqual({ name: 'touchpoint', version: expect.any(String) });
    expect(event.context.page.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(event.context.userAgent).toContain('Chrome');
  }
  // Every event carries the device's sequence number, one after the other, for loss accounting.
  const seqs = landed.map((e) => e.context.seq).sort((a, b) => a - b);
  expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));
  const order = landed.find((e) => e.event === 'Order Completed')!;
  expect(order.properties).toMatchObject({ order_id: orderId, revenue: 113.5, currency: 'CNY' });
  expect(order.properties.products.map((p: any) => p.product_id)).toEqual(['sku-tea', 'sku-cup']);
});

test('the anonymous id survives a reload', async ({ page }) => {
  const ids: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/v1/batch')) ids.push(...recordSentEvents([r]).map((e: any) => e.anonymousId));
  });
  await page.goto('/');
  await page.evaluate(() => (window as any).touchpoint.flush());
  await expect.poll(() => ids.length).toBeGreaterThan(0);
  await page.reload();
  await page.evaluate(() => (window as any).touchpoint.flush());
  await expect.poll(() => ids.length).toBeGreaterThan(1);
  expect(new Set(ids).size).toBe(1);
});
