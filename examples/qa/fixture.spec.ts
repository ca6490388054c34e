import { expect, test } from 'touchpoint/testing';
// @ts-expect-error: a plain ESM helper shared with `npm run bench:sdk`
import { bundleFixture } from '../../sdk/bench/fixtures.mjs';

// The fixture whichever way a site loads the SDK and wherever it sends: a page on its production
// domain pointing at its production collector is captured all the same, with nothing reaching
// the network.

const PRODUCTION = 'https://collect.shop.example';

test.describe('a site sending to its production collector', () => {
  test.use({ trackingEndpoints: [PRODUCTION] });

  test('with the SDK bundled by the app (npm), including what it sends as the page closes', async ({ context, tracking }) => {
    const app: string = await bundleFixture(`import { createTracker } from 'touchpoint';
      const tp = createTracker({ writeKey: 'demo', endpoint: '${PRODUCTION}', flushInterval: 200 });
      tp.page();
      tp.track('Signup Started', { plan: 'pro' });
      document.querySelector('#later').onclick = () => tp.track('Plan Compared', { plans: 2 });`);
    await context.route('https://www.shop.example/**', (route) =>
      route.fulfill({ contentType: 'text/html', body: `<!doctype html><button id="later">Compare</button><script type="module">${app}</script>` }),
    );
    const page = await context.newPage();
    await page.goto('https://www.shop.example/signup');
    // No global to flush in a bundle: its own 200 ms batch interval sends.
    await expect(tracking).toHaveTracked('Signup Started', { plan: 'pro' });
    await expect(tracking).toHaveTracked({ type: 'page', context: { page: { url: 'https://www.shop.example/signup' } } });
    await page.evaluate(() => (document.querySelector('#later') as HTMLButtonElement).click());
    const closed = new Promise((r) => page.once('close', r));
    await page.close({ runBeforeUnload: true }); // queued, then sent with keepalive as the page goes
    await closed;
    await expect(tracking).toHaveTracked('Plan Compared', { plans: 2 });
    await expect(tracking).toHaveNoInvalidEvents();
  });

  test('with the script tag loaded from that collector', async ({ page, context, tracking }) => {
    await context.route('https://www.shop.example/**', (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><script>
          !function(w,d){var t=w.touchpoint=w.touchpoint||[];if(t.init)return;
          ["init","track","page","screen","identify","alias","group","reset","flush"].forEach(function(m){
          t[m]=function(){t.push([m].concat([].slice.call(arguments)))}});
          var s=d.createElement("script");s.async=!0;s.src="${PRODUCTION}/touchpoint.min.js";d.head.appendChild(s)}(window,document);
          touchpoint.init({ writeKey: 'demo', endpoint: '${PRODUCTION}' });
          touchpoint.identify('user-7', { plan: 'pro' });
          touchpoint.track('Trial Started');
        </script>`,
      }),
    );
    await page.goto('https://www.shop.example/');
    await expect(tracking).toHaveTrackedInOrder(['identify', 'Trial Started']);
    await expect(tracking).toHaveTracked({ type: 'identify', userId: 'user-7', traits: { plan: 'pro' } });
    await expect(tracking).toHaveTrackedTimes('Trial Started', 1);
  });
});

test('a page pointed at the test collector itself needs no routing', async ({ page, tracking }) => {
  await page.goto(tracking.url); // the test collector serves the demo shop and the SDK builds
  await page.locator('[data-product-id="sku-cup"]').getByRole('button', { name: 'View' }).click();
  await expect(tracking).toHaveTracked('Product Viewed', { product_id: 'sku-cup' });
  expect(tracking.events('Product Viewed')[0]!.context.page.url).toBe(`${tracking.url}/`);
});
