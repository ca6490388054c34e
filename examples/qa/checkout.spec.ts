import { expect, test } from 'touchpoint/testing';

// The QA suite a team writes: the demo shop (served by the collector Playwright starts) in
// Chromium, its tracking sent to a test collector by the `tracking` fixture.

test('the checkout journey tracks the e-commerce events of the tracking plan, in order', async ({ page, tracking }) => {
  await page.goto('/');
  const tea = page.locator('[data-product-id="sku-tea"]');
  await tea.getByRole('button', { name: 'View' }).click();
  await expect(tracking).toHaveTracked('Product Viewed', { product_id: 'sku-tea', price: 68, currency: 'CNY' });

  await tea.getByRole('button', { name: 'Add to cart' }).click();
  await tea.getByRole('button', { name: 'Add to cart' }).click();
  await page.locator('[data-product-id="sku-cup"]').getByRole('button', { name: 'Add to cart' }).click();
  await expect(tracking).toHaveTrackedTimes('Product Added', 3);
  await expect(tracking).toHaveTracked('Product Added', { product_id: 'sku-tea', quantity: 2 });

  await page.getByRole('button', { name: 'Checkout' }).click();
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(tracking).toHaveTracked('Order Completed', {
    order_id: expect.stringMatching(/^o-/),
    revenue: 181.5,
    currency: 'CNY',
    products: [expect.objectContaining({ product_id: 'sku-tea', quantity: 2 }), expect.objectContaining({ product_id: 'sku-cup', quantity: 1 })],
  });
  await expect(tracking).toHaveTrackedInOrder(['page', 'Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed']);
  await expect(tracking).not.toHaveTracked('Order Refunded');
  await expect(tracking).toHaveNoInvalidEvents();
  // The collector's enrichment ran: what the test sees is what the warehouse would get.
  const [order] = tracking.events('Order Completed');
  expect(order!.context).toMatchObject({ ip: '127.0.0.0', library: { name: 'touchpoint' }, session: { id: expect.any(String) } });
});
