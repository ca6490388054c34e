import { stripVTControlCharacters } from 'node:util';
import { expect, test, type TrackingSource } from 'touchpoint/testing';

// What the matchers say when they fail: the events that did arrive, the closest, and how they
// differ. Each failure is provoked on purpose and its message checked.

const quick = expect.configure({ timeout: 500 });
// The message as printed, without the terminal's colours.
const failure = (assertion: Promise<unknown>) =>
  assertion.then(
    () => 'passed',
    (e: Error) => stripVTControlCharacters(e.message),
  );

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => {
    const tp = (window as any).touchpoint;
    tp.track('Product Added', { product_id: 'sku-tea', price: 68, quantity: 1 });
    tp.track('Checkout Started', { revenue: 68 });
    tp.track('Product Added', { product_id: 'sku-cup', price: 45.5, quantity: 1 });
  });
});

test('toHaveTracked: the closest event of that name, and what differs', async ({ tracking }) => {
  const message = await failure(quick(tracking).toHaveTracked('Product Added', { product_id: 'sku-tea', price: 70 }));
  expect(message).toContain('expect(tracking).toHaveTracked(expected)');
  expect(message).toContain('Expected an event "Product Added" {"properties":{"product_id":"sku-tea","price":70}}; none arrived within 500 ms.');
  expect(message).toMatch(
    /Closest:\n {2}#\d+ "Product Added" \{"product_id":"sku-tea","price":68,"quantity":1\}\n {6}properties\.price: expected 70, received 68\n/,
  );
  // The other Product Added differs in two places: it ranks second.
  expect(message).toMatch(
    /"sku-cup".*\n {6}properties\.product_id: expected "sku-tea", received "sku-cup"\n {6}properties\.price: expected 70, received 45\.5/,
  );
});

test('toHaveTracked: a name that was never sent points at a look-alike', async ({ tracking }) => {
  const message = await failure(quick(tracking).toHaveTracked('Checkout started'));
  expect(message).toMatch(/Closest:\n {2}#\d+ "Checkout Started" \{"revenue":68\}\n {6}\(name\): expected "Checkout started", received "Checkout Started"/);
  expect(await failure(quick(tracking).toHaveTracked('Order Refunded'))).toContain('None is named "Order Refunded".');
});

test('not.toHaveTracked fails at once when the event is there', async ({ tracking }) => {
  const started = Date.now();
  const message = await failure(expect(tracking).not.toHaveTracked('Checkout Started'));
  expect(Date.now() - started).toBeLessThan(3000); // no waiting for an event to disappear
  expect(message).toContain('Expected no event "Checkout Started", but 1 arrived:\n  "Checkout Started" {"revenue":68}');
});

test('toHaveTrackedTimes: counts, and stops waiting once there are too many', async ({ tracking }) => {
  await expect(tracking).toHaveTrackedTimes('Product Added', 2);
  const started = Date.now();
  const message = await failure(expect(tracking).toHaveTrackedTimes('Product Added', 1));
  expect(Date.now() - started).toBeLessThan(3000);
  expect(message).toMatch(/Expected 1 event\(s\) "Product Added"; 2 arrived\.\n {2}#\d+ "Product Added" \{"product_id":"sku-tea"/);
});

test('toHaveTrackedInOrder: which one broke the order, and where it was', async ({ tracking }) => {
  await expect(tracking).toHaveTrackedInOrder(['page', ['Product Added', { product_id: 'sku-tea' }], 'Checkout Started']);
  const message = await failure(quick(tracking).toHaveTrackedInOrder(['Checkout Started', ['Product Added', { product_id: 'sku-tea' }]]));
  expect(message).toContain('Expected 2 events in order; 1 matched within 500 ms:\n  ✓ "Checkout Started" (#');
  expect(message).toContain('  ✗ "Product Added" {"properties":{"product_id":"sku-tea"}}');
  expect(message).toMatch(/"Product Added" \{"properties":\{"product_id":"sku-tea"\}\} did arrive, but earlier \(#\d+\), before what precedes it\./);
  expect(message).toMatch(/Arrived in this order: page, .*Product Added, .*Checkout Started, .*Product Added/);
});

test('the matchers refuse anything but the fixture or a test collector', async () => {
  const notTracking = { good: 'not a function' } as unknown as TrackingSource;
  expect(await failure(expect(notTracking).toHaveTracked('x'))).toContain('the tracking matchers take the `tracking` fixture or a test collector');
});
