import { expect, test } from 'touchpoint/testing';

// The test collector takes the tracking plan the real collector does; here one collector serves
// the whole worker and is reset before each test.
test.use({
  trackingScope: 'worker',
  trackingCollector: {
    trackingPlan: { events: { 'Order Completed': { properties: { order_id: { type: 'string', required: true }, revenue: { type: 'number' } } } } },
  },
});

let firstUrl: string | undefined;

test('an event off the tracking plan is rejected, and toHaveNoInvalidEvents says why', async ({ page, tracking }) => {
  firstUrl = tracking.url;
  await page.goto('/');
  await page.evaluate(() => (window as any).touchpoint.track('Order Completed', { order_id: 'o-9', revenue: '99.00' }));
  const error = await expect(tracking)
    .toHaveNoInvalidEvents()
    .then(
      () => undefined,
      (e: Error) => e,
    );
  expect(error?.message).toContain('Expected no rejected events, but 1 were rejected:');
  expect(error?.message).toContain('"Order Completed" (tracking_plan, key demo): properties.revenue: expected number by the tracking plan');
  expect(tracking.bad()[0]).toMatchObject({ category: 'tracking_plan', event: { properties: { revenue: '99.00' } } });
  await expect(tracking).not.toHaveTracked('Order Completed');
});

test('the worker’s collector is shared, and what the previous test sent is gone', async ({ page, tracking }) => {
  expect(tracking.url).toBe(firstUrl);
  expect(tracking.bad()).toEqual([]);
  await page.goto('/');
  await page.evaluate(() => (window as any).touchpoint.track('Order Completed', { order_id: 'o-10', revenue: 99 }));
  await expect(tracking).toHaveTracked('Order Completed', { order_id: 'o-10' });
  await expect(tracking).toHaveNoInvalidEvents();
});
