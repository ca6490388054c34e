import { expect, test, type Page } from '@playwright/test';
import { E2E_PORT } from '../../playwright.config';
import { bundleForBrowser } from './browser-bundle';
import { attemptsById, deliveryProblems, eventsOnWire, whatReached } from './delivery-check';
import { startPageServer, type PageServer } from './page-server';
import { startRecordingProxy, type RecordedRequest, type RecordingProxy } from './recording-proxy';

// Segment's analytics-next and RudderStack's JavaScript SDK, installed from npm and bundled for the
// page as an app would, in real Chromium on a page of another site than the collector (CORS and
// preflights are real), with their default settings but for the collector's address. A recording
// proxy on loopback sits in front of the built collector: it shows what each client sent,
// sendBeacon and keepalive requests included, and answers 503 when a test asks. Each call must be
// accepted, land exactly once at the NDJSON sink, and land intact (see delivery-check.ts).

const WRITE_KEY = 'demo'; // the journeys' collector runs with no keys: the demo key, a browser key for any origin
const SOURCE = 'demo'; // the name the collector records for that key
const DELIVERY_TIMEOUT = 20_000;

let proxy: RecordingProxy;
let site: PageServer;

/** analytics-next with the settings its CDN would serve, pointed at the proxy; `batching` opts into its batching mode. */
function segmentPage(title: string, options: { batching?: boolean } = {}) {
  const apiHost = `${proxy.host}/v1`;
  const segmentIo = { apiKey: WRITE_KEY, apiHost, protocol: 'http', ...(options.batching && { deliveryStrategy: { strategy: 'batching' } }) };
  // The same host in the load options as well: analytics-next sends its own metrics there, not to segment.io.
  return `<!doctype html><html><head><title>${title}</title><script src="/analytics-next.js"></script><script>
    window.analytics = AnalyticsBrowser.load(
      { writeKey: ${JSON.stringify(WRITE_KEY)}, cdnSettings: { integrations: { 'Segment.io': ${JSON.stringify(segmentIo)} } } },
      { integrations: { 'Segment.io': { apiHost: ${JSON.stringify(apiHost)}, protocol: 'http' } } },
    );
  </script></head><body><h1>${title}</h1></body></html>`;
}

/** RudderStack with the source configuration its control plane would serve, pointed at the proxy. */
function rudderstackPage(title: string, options: { useBeacon?: boolean } = {}) {
  const sourceConfig = { source: { id: 'src-shop', name: 'shop-web', workspaceId: 'ws-1', enabled: true, config: {}, destinations: [] } };
  const loadOptions = `{ getSourceConfig: () => (${JSON.stringify(sourceConfig)})${options.useBeacon ? ', useBeacon: true' : ''} }`;
  return `<!doctype html><html><head><title>${title}</title><script src="/rudderstack.js"></script><script>
    window.rudderanalytics = new RudderAnalytics();
    rudderanalytics.load(${JSON.stringify(WRITE_KEY)}, ${JSON.stringify(proxy.url)}, ${loadOptions});
  </script></head><body><h1>${title}</h1></body></html>`;
}

test.beforeAll(async () => {
  test.setTimeout(60_000);
  proxy = await startRecordingProxy(`http://127.0.0.1:${E2E_PORT}`);
  const [segment, rudderstack] = await Promise.all([
    bundleForBrowser(`import { AnalyticsBrowser } from '@segment/analytics-next'; window.AnalyticsBrowser = AnalyticsBrowser;`),
    bundleForBrowser(`import { RudderAnalytics } from '@rudderstack/analytics-js/bundled'; window.RudderAnalytics = RudderAnalytics;`),
  ]);
  site = await startPageServer({
    '/analytics-next.js': segment,
    '/rudderstack.js': rudderstack,
    '/segment/pricing': segmentPage('Pricing'),
    '/segment/batching': segmentPage('Pricing', { batching: true }),
    '/rudderstack/pricing': rudderstackPage('Pricing'),
    '/rudderstack/beacon': rudderstackPage('Pricing', { useBeacon: true }),
    '/thanks': '<!doctype html><html><head><title>Thanks</title></head><body>Thanks</body></html>',
  });
});

test.afterAll(async () => {
  await site?.close();
  await proxy?.close();
});

let visits = 0;

/**
 * Opens a page of the shop, at an origin of its own (so what a page of an earlier test sends as it
 * closes is told apart); returns that origin, what its pages sent, and any request that left loopback.
 */
async function visit(page: Page, path: string) {
  const origin = site.origin(`shop-${++visits}.touchpoint.test`);
  const elsewhere: string[] = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.origin !== origin && url.host !== proxy.host) elsewhere.push(r.url());
  });
  await page.goto(`${origin}${path}?utm_source=newsletter&utm_medium=email`);
  return { origin, sent: (): RecordedRequest[] => proxy.requests.filter((r) => r.headers.origin === origin), elsewhere };
}

/**
 * The journey of a shopper: anonymous views, sign-up (alias, identify, group), an order. Each call
 * is awaited as an app would: analytics-next's calls resolve once the event is sent (it fills in
 * the user id when it sends, so an anonymous view still in flight at identify would go out
 * identified); RudderStack's return nothing and build the whole event at the call.
 */
async function shop(page: Page, global: 'analytics' | 'rudderanalytics') {
  await page.evaluate(async (name) => {
    const client = (window as any)[name];
    await client.page('Docs', 'Pricing', { plan: 'pro' });
    await client.track('Product Viewed', { product_id: 'p-1', sku: 'SKU-1', price: 49.5, currency: 'CNY' });
    // Segment's and RudderStack's documented sign-up order: alias the anonymous visitor, then identify.
    await client.alias('u-42');
    await client.identify('u-42', { email: 'li.lei@example.com', plan: 'pro', address: { city: 'Hangzhou' } });
    await client.group('g-7', { name: 'Acme', employees: 12 });
    await client.track('Order Completed', {
      order_id: 'o-9',
      revenue: 99,
      currency: 'CNY',
      products: [{ product_id: 'p-1', sku: 'SKU-1', price: 49.5, quantity: 2 }],
    });
  }, global);
}

const posts = (requests: RecordedRequest[]) => requests.filter((r) => r.method === 'POST');
const paths = (requests: RecordedRequest[]) => [...new Set(posts(requests).map((r) => new URL(r.url, 'http://x').pathname))].sort();

async function expectDelivered(sent: () => RecordedRequest[], calls: number) {
  await expect.poll(() => deliveryProblems(sent(), { calls, source: SOURCE }), { timeout: DELIVERY_TIMEOUT }).toEqual([]);
}

test.describe('@segment/analytics-next 1.84', () => {
  test('a visit, anonymous then identified: every call is accepted on its short route and lands once, intact', async ({ page }) => {
    const { sent, elsewhere } = await visit(page, '/segment/pricing');
    await shop(page, 'analytics');
    await page.evaluate(() => (window as any).analytics.screen('Checkout', 'Payment', { step: 3 }));
    await expectDelivered(sent, 7);

    // What the client put on the wire: one request per call, `text/plain`, on the short routes.
    expect(paths(sent())).toEqual(['/v1/a', '/v1/g', '/v1/i', '/v1/p', '/v1/s', '/v1/t']);
    expect(new Set(posts(sent()).map((r) => r.headers['content-type']))).toEqual(new Set(['text/plain']));
    const wire = eventsOnWire(sent()).map((w) => w.event);
    expect(
      wire
        .filter((e) => e.userId === null)
        .map((e) => e.type)
        .sort(),
    ).toEqual(['page', 'track']);
    const alias = wire.find((e) => e.type === 'alias')!;
    expect(alias).toMatchObject({ userId: 'u-42', previousId: wire.find((e) => e.type === 'page')!.anonymousId });
    expect(elsewhere).toEqual([]);
  });

  test('after 503s it retries with X-Retry-Count, which the preflight allows, and the event lands once', async ({ page }) => {
    test.setTimeout(60_000);
    const { sent } = await visit(page, '/segment/pricing');
    await page.evaluate(() => (window as any).analytics.identify('u-7', { plan: 'team' }));
    await expectDelivered(sent, 1);
    proxy.failNext({ count: 2, when: (r) => r.method === 'POST' && r.url.startsWith('/v1/t') });
    await page.evaluate(() => (window as any).analytics.track('Order Completed', { order_id: 'o-503', revenue: 12, currency: 'CNY' }));
    await expectDelivered(sent, 2);

    const tracks = posts(sent()).filter((r) => r.url.startsWith('/v1/t'));
    expect(tracks.map((r) => [r.status, r.headers['x-retry-count']])).toEqual([
      [503, undefined],
      [503, '1'],
      [200, '2'],
    ]);
  });

  test('an event in flight when the page is left is kept, sent again by the next page, and stored once', async ({ page }) => {
    const { origin, sent } = await visit(page, '/segment/pricing');
    // The collector gets the event at once, but its answer is held back past the page's life.
    proxy.delayNext({ count: 1, ms: 5_000, when: (r) => r.method === 'POST' && r.url === '/v1/t' });
    await page.evaluate(() => void (window as any).analytics.track('Checkout Started', { order_id: 'o-10', value: 99, currency: 'CNY' }));
    await expect.poll(() => posts(sent()).length).toBe(1);
    await page.goto(`${origin}/segment/pricing`); // analytics-next keeps it (localStorage) and sends it again
    await expect
      .poll(() => posts(sent()).length, { timeout: DELIVERY_TIMEOUT, message: 'sent again' })
      .toBe(2)
      .catch((error: Error) => {
        throw new Error(`${error.message}\nWhat reached the collector's address:\n${whatReached(sent()).join('\n')}`);
      });
    await expectDelivered(sent, 1);
    expect([...attemptsById(sent()).values()][0]).toHaveLength(2);
  });

  test('batching mode: what is buffered when the page is left goes out with keepalive to /v1/b and lands once', async ({ page }) => {
    const { origin, sent } = await visit(page, '/segment/batching');
    await shop(page, 'analytics');
    await page.waitForTimeout(500); // within the batch timeout (5 s): nothing sent yet
    expect(posts(sent())).toEqual([]);
    await page.goto(`${origin}/thanks`);
    await expectDelivered(sent, 6);
    expect(paths(sent())).toEqual(['/v1/b']);
  });

  test('batching mode: a batch answered 503 is sent again with X-Retry-Count and lands once', async ({ page }) => {
    test.setTimeout(60_000);
    const { sent } = await visit(page, '/segment/batching');
    proxy.failNext({ count: 1, when: (r) => r.method === 'POST' && r.url.startsWith('/v1/b') });
    await shop(page, 'analytics');
    await expectDelivered(sent, 6);
    expect(posts(sent()).map((r) => [r.url, r.status, r.headers['x-retry-count']])).toEqual([
      ['/v1/b', 503, undefined],
      ['/v1/b', 200, '1'],
    ]);
  });
});

test.describe('@rudderstack/analytics-js 3 (bundled)', () => {
  test('a visit, anonymous then identified: every call is accepted on its route and lands once, intact', async ({ page }) => {
    const { sent, elsewhere } = await visit(page, '/rudderstack/pricing');
    await shop(page, 'rudderanalytics');
    await expectDelivered(sent, 6);

    // What the client put on the wire: one JSON request per call, with its own headers.
    expect(paths(sent())).toEqual(['/v1/alias', '/v1/group', '/v1/identify', '/v1/page', '/v1/track']);
    for (const request of posts(sent())) {
      const event = JSON.parse(request.body.toString());
      expect(request.headers).toMatchObject({
        'content-type': 'application/json;charset=UTF-8',
        anonymousid: Buffer.from(event.anonymousId).toString('base64'),
        sentat: event.sentAt,
      });
    }
    const wire = eventsOnWire(sent()).map((w) => w.event);
    expect(
      wire
        .filter((e) => e.userId === '')
        .map((e) => e.type)
        .sort(),
    ).toEqual(['page', 'track']);
    expect(wire.every((e) => e.channel === 'web' && e.originalTimestamp)).toBe(true);
    expect(wire.find((e) => e.type === 'identify')!.context.traits).toEqual({ email: 'li.lei@example.com', plan: 'pro', address: { city: 'Hangzhou' } });
    expect(elsewhere).toEqual([]);
  });

  test('after 503s it retries with its Rsa-* headers, which the preflight allows, and the event lands once', async ({ page }) => {
    test.setTimeout(60_000);
    const { sent } = await visit(page, '/rudderstack/pricing');
    proxy.failNext({ count: 2, when: (r) => r.method === 'POST' && r.url === '/v1/track' });
    await page.evaluate(() => (window as any).rudderanalytics.track('Order Completed', { order_id: 'o-503', revenue: 12, currency: 'CNY' }));
    await expectDelivered(sent, 1);

    const tracks = posts(sent()).filter((r) => r.url === '/v1/track');
    expect(tracks.map((r) => [r.status, r.headers['rsa-retry-attempt']])).toEqual([
      [503, undefined],
      [503, '1'],
      [200, '2'],
    ]);
    for (const retry of tracks.slice(1)) {
      expect(retry.headers).toMatchObject({
        'rsa-since-first-attempt': expect.stringMatching(/^\d+$/),
        'rsa-since-last-attempt': expect.stringMatching(/^\d+$/),
        'rsa-retry-reason': expect.any(String),
      });
    }
  });

  test('useBeacon: the queue leaves with sendBeacon to /beacon/v1/batch?writeKey= when the page is left, and lands once', async ({ page }) => {
    const { origin, sent } = await visit(page, '/rudderstack/beacon');
    await shop(page, 'rudderanalytics');
    await page.waitForTimeout(500); // under its 10 events and 10 minutes: nothing sent yet
    expect(posts(sent())).toEqual([]);
    await page.goto(`${origin}/thanks`);
    await expectDelivered(sent, 6);

    // A beacon: text/plain, no custom headers, the key in the query string, the collector read it all.
    const beacons = posts(sent());
    expect(beacons.map((r) => r.url)).toEqual(beacons.map(() => `/beacon/v1/batch?writeKey=${WRITE_KEY}`));
    for (const beacon of beacons) {
      expect(beacon.headers['content-type']).toBe('text/plain');
      expect(beacon.headers['sec-fetch-mode']).toBe('no-cors');
      expect(beacon.headers.authorization).toBeUndefined();
    }
  });
});
