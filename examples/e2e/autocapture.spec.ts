import { expect, test, type Page } from '@playwright/test';
import { readStream } from './ndjson';
import { snippet } from './snippet';

// The full script-tag build (page views, clicks, attribution, sessions) on a small single-page app.
// The page is served by the test itself on the collector's origin; the SDK comes from the collector.
function appHtml() {
  return `<!doctype html><html><head><title>SPA</title>${snippet('/touchpoint.full.min.js')}</head><body>
    <nav><a id="to-a" href="/spa/a" onclick="event.preventDefault(); history.pushState({}, '', '/spa/a')">A</a>
    <a href="https://partner.example/offer" data-tp-campaign="spring-sale" data-tp-slot="hero">Partner offer</a>
    <button class="buy">Buy <b>now</b></button>
    <div data-tp-ignore><button id="secret">Do not track</button></div>
    <input id="email" type="text" value="li.lei@example.com"><input type="submit" value="Send"></nav>
  </body></html>`;
}

async function openApp(page: Page, query = '') {
  await page.route('**/spa/**', (route) => route.fulfill({ contentType: 'text/html', body: appHtml() }));
  await page.goto(`/spa/home${query}`);
  await page.waitForFunction(() => typeof (window as any).touchpoint?.anonymousId === 'function' && (window as any).touchpoint.anonymousId());
}

async function eventsOf(page: Page) {
  const anonymousId = await page.evaluate(() => (window as any).touchpoint.anonymousId());
  return async () => (await readStream('events')).filter((e) => e.anonymousId === anonymousId);
}

test('single-page navigation gives one page view per route, no duplicate and none missed', async ({ page }) => {
  await openApp(page);
  const events = await eventsOf(page);
  await page.click('#to-a'); // pushState
  await page.evaluate(() => history.replaceState({}, '', location.href)); // same URL: no view
  await page.evaluate(() => history.pushState({}, '', '/spa/b'));
  await page.evaluate(() => (location.hash = 'reviews')); // hashchange
  await page.goBack(); // popstate back to /spa/b
  await page.evaluate(() => (window as any).touchpoint.flush());
  await expect
    .poll(async () => (await events()).filter((e) => e.type === 'page').map((e) => new URL(e.context.page.url).pathname + new URL(e.context.page.url).hash), {
      timeout: 15_000,
    })
    .toEqual(['/spa/home', '/spa/a', '/spa/b', '/spa/b#reviews', '/spa/b']);
  const left = (await events()).filter((e) => e.event === 'Page Left');
  expect(left.map((e) => e.properties.path)).toEqual(['/spa/home', '/spa/a', '/spa/b', '/spa/b']);
  for (const e of left) expect(e.properties.time_on_page_ms).toBeGreaterThanOrEqual(0);
});

test('clicks on links and buttons are captured with selector, text, href and data-tp values, never input values', async ({ page }) => {
  await openApp(page);
  const events = await eventsOf(page);
  await page.click('button.buy');
  await page.click('#secret');
  await page.fill('#email', 'han.meimei@example.com');
  await page.click('input[type=submit]');
  await page.evaluate(() => (window as any).touchpoint.flush());
  await expect.poll(async () => (await events()).filter((e) => e.event === 'Element Clicked').length, { timeout: 15_000 }).toBe(2);
  const clicks = (await events()).filter((e) => e.event === 'Element Clicked');
  expect(clicks[0]!.properties).toEqual({ selector: 'nav>button', tag: 'button', text: 'Buy now' });
  expect(clicks[1]!.properties).toEqual({ selector: 'nav>input:nth-of-type(2)', tag: 'input' });
  expect(JSON.stringify(await events())).not.toContain('han.meimei@example.com');
});

test('an outbound link is not delayed, and its click is delivered', async ({ page, context }) => {
  await openApp(page);
  const events = await eventsOf(page);
  await context.route('https://partner.example/**', (route) => route.fulfill({ contentType: 'text/html', body: 'partner' }));
  const started = Date.now();
  await page.click('a[data-tp-campaign]');
  await page.waitForURL('https://partner.example/offer');
  expect(Date.now() - started).toBeLessThan(1000);
  await expect
    .poll(async () => (await events()).find((e) => e.event === 'Element Clicked')?.properties, { timeout: 15_000 })
    .toEqual({
      selector: 'nav>a:nth-of-type(2)',
      tag: 'a',
      text: 'Partner offer',
      href: 'https://partner.example/offer',
      campaign: 'spring-sale',
      slot: 'hero',
    });
});

test('attribution from the landing URL is carried into a later order, and the collector groups its channel', async ({ page }) => {
  await openApp(page, '?utm_source=baidu&utm_medium=cpc&utm_campaign=double11&bd_vid=77');
  const events = await eventsOf(page);
  await page.evaluate(() => history.pushState({}, '', '/spa/checkout'));
  await page.evaluate(() => (window as any).touchpoint.track('Order Completed', { order_id: 'o-1', revenue: 68, currency: 'CNY' }));
  await page.evaluate(() => (window as any).touchpoint.flush());
  await expect.poll(async () => (await events()).some((e) => e.event === 'Order Completed'), { timeout: 15_000 }).toBe(true);
  const order = (await events()).find((e) => e.event === 'Order Completed')!;
  expect(order.context.page.path).toBe('/spa/checkout');
  expect(order.context.attribution.last).toMatchObject({ utm: { source: 'baidu', medium: 'cpc', campaign: 'double11' }, clickIds: { bd_vid: '77' } });
  expect(order.context.attribution.first).toEqual(order.context.attribution.last);
  expect(order.context.channel).toEqual({ group: 'Paid Search', source: 'baidu', medium: 'cpc', campaign: 'double11' });
  expect(order.context.session).toMatchObject({ index: 1, id: expect.any(String) });
});

test('Web Vitals are measured and sent: FCP, TTFB and LCP on load, CLS when the page is hidden', async ({ page }) => {
  await openApp(page);
  const events = await eventsOf(page);
  await page.click('button.buy'); // an interaction, for LCP to be final and INP to have input
  // Hiding the page finalises CLS (and INP) and flushes. Headless Chromium never hides a page by
  // itself, so the test reports the state change the way a tab switch would.
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await expect
    .poll(
      async () =>
        (await events())
          .filter((e) => e.event === 'Web Vital')
          .map((e) => e.properties.name)
          .sort(),
      { timeout: 15_000 },
    )
    .toEqual(expect.arrayContaining(['CLS', 'FCP', 'LCP', 'TTFB']));
  const fcp = (await events()).find((e) => e.event === 'Web Vital' && e.properties.name === 'FCP')!;
  expect(fcp.properties).toMatchObject({ value: expect.any(Number), rating: expect.stringMatching(/good|needs-improvement|poor/), id: expect.any(String) });
});

test('form submits are captured with the form, a submit button names its form, field values never; every event carries the viewport', async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 600 });
  await page.route('**/spa/form', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html><head>${snippet('/touchpoint.full.min.js')}</head><body>
        <form id="signup" name="signup" method="post" action="/spa/thanks" onsubmit="event.preventDefault()">
          <input name="email" value="li.lei@example.com"><input name="id" value="shadows form.id"><button>Join</button></form>
        <form class="search" onsubmit="event.preventDefault()"><input name="q" value="secret query"></form>
        <form id="odd" action="http://[" onsubmit="event.preventDefault()"></form></body></html>`,
    }),
  );
  await page.goto('/spa/form');
  await page.waitForFunction(() => (window as any).touchpoint?.anonymousId?.());
  const events = await eventsOf(page);
  await page.click('#signup button');
  await page.press('.search input', 'Enter'); // submitted with the keyboard: no click
  const errors: Error[] = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.evaluate(() => (document.querySelector('#odd') as HTMLFormElement).requestSubmit()); // an action that is no URL
  await page.evaluate(() => (window as any).touchpoint.flush());
  await expect.poll(async () => (await events()).filter((e) => e.event === 'Form Submitted').length, { timeout: 15_000 }).toBe(3);
  expect(errors).toEqual([]);
  const landed = await events();
  const [signup, search, odd] = landed.filter((e) => e.event === 'Form Submitted');
  expect(odd!.properties).toEqual({ selector: '#odd', method: 'get', id: 'odd' });
  expect(signup!.properties).toEqual({
    selector: '#signup',
    method: 'post',
    id: 'signup',
    name: 'signup',
    action: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/spa\/thanks$/),
  });
  expect(search!.properties).toEqual({ selector: 'form:nth-of-type(2)', method: 'get' });
  expect(landed.find((e) => e.event === 'Element Clicked')!.properties).toMatchObject({ selector: '#signup>button', form: '#signup' });
  expect(JSON.stringify(landed)).not.toMatch(/li\.lei|secret query/);
  for (const event of landed) expect(event.context.screen).toMatchObject({ innerWidth: 800, innerHeight: 600 });
});
