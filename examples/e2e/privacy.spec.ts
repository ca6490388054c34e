import { relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page, type Request } from '@playwright/test';
import { readStream } from './ndjson';
import { sentEvents } from './wire';

// Consent and masking in real Chromium against the real collector. The script-tag bundles carry
// neither plugin, so the page imports the package's ESM build in dist/ as an app would
// (`import { consentPlugin } from 'touchpoint'`), with an import map for its two dependencies.
// As in autocapture.spec.ts, the test serves the page (and those modules) on the collector's origin.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IMPORTS = Object.fromEntries(
  ['touchpoint', 'idb-keyval', 'web-vitals'].map((name) => [name, `/_pkg/${relative(ROOT, fileURLToPath(import.meta.resolve(name)))}`]),
);

interface Setup {
  /** Adds the consent plugin, nothing granted yet, in this mode. */
  whilePending?: 'queue' | 'drop';
  masking?: boolean;
}

function appHtml(setup: Setup) {
  // A short flush interval, so an event that wrongly got past a plugin would be sent within the waits below.
  return `<!doctype html><html><head><title>Privacy</title>
    <script type="importmap">${JSON.stringify({ imports: IMPORTS })}</script>
    <script type="module">
      import { createTracker, consentPlugin, maskingPlugin } from 'touchpoint';
      const setup = ${JSON.stringify(setup)};
      window.consent = setup.whilePending && consentPlugin({ whilePending: setup.whilePending });
      const plugins = [setup.masking && maskingPlugin(), window.consent].filter(Boolean);
      window.tp = createTracker({ writeKey: 'demo', endpoint: '', flushInterval: 200, plugins });
    </script></head><body></body></html>`;
}

async function openApp(page: Page, setup: Setup, path = '/privacy/app') {
  const requests: Request[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/v1/batch') requests.push(r);
  });
  await page.route('**/_pkg/**', (route) => route.fulfill({ path: ROOT + new URL(route.request().url()).pathname.slice('/_pkg/'.length) }));
  await page.route('**/privacy/**', (route) => route.fulfill({ contentType: 'text/html', body: appHtml(setup) }));
  await page.goto(path);
  await page.waitForFunction(() => (window as any).tp?.anonymousId());
  const anonymousId: string = await page.evaluate(() => (window as any).tp.anonymousId());
  return {
    /** What the collector's NDJSON sink holds from this visitor. */
    landed: async () => (await readStream('events')).filter((e) => e.anonymousId === anonymousId),
    sent: () => sentEvents(requests),
  };
}

/** Tracks `count` events of one phase, then flushes: whatever the plugins let through is sent now. */
async function trackPhase(page: Page, phase: string, count: number) {
  await page.evaluate(
    ({ phase, count }) => {
      const tp = (window as any).tp;
      for (let i = 0; i < count; i++) tp.track('Privacy Check', { phase, i });
      return tp.flush();
    },
    { phase, count },
  );
}

const ofPhase = (events: Record<string, any>[], phase: string) => events.filter((e) => e.event === 'Privacy Check' && e.properties?.phase === phase);
const indices = (events: Record<string, any>[]) => events.map((e) => e.properties.i).sort((a, b) => a - b);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Checks a few times over two seconds that none of the phase's events reached the sink or the wire. */
async function expectNeverSent(app: Awaited<ReturnType<typeof openApp>>, phase: string) {
  for (let check = 0; check < 4; check++) {
    await sleep(500);
    expect(ofPhase(await app.landed(), phase), `"${phase}" events at the sink`).toEqual([]);
  }
  expect(ofPhase(app.sent(), phase), `"${phase}" events on the wire`).toEqual([]);
}

test('consent pending (queue): nothing is sent until granted, then every held event arrives once with its original time', async ({ page }) => {
  const app = await openApp(page, { whilePending: 'queue' });
  await trackPhase(page, 'pending', 5);
  await expectNeverSent(app, 'pending');

  const grantedAt = await page.evaluate(() => {
    const at = Date.now();
    (window as any).consent.grant('analytics');
    return at;
  });
  await trackPhase(page, 'granted', 3);
  await expect.poll(async () => ofPhase(await app.landed(), 'pending').length + ofPhase(await app.landed(), 'granted').length, { timeout: 15_000 }).toBe(8);
  await sleep(500); // a late duplicate would land now

  const landed = await app.landed();
  expect(indices(ofPhase(landed, 'pending'))).toEqual(range(5));
  expect(indices(ofPhase(landed, 'granted'))).toEqual(range(3));
  const ids = [...ofPhase(landed, 'pending'), ...ofPhase(landed, 'granted')].map((e) => e.messageId);
  expect(new Set(ids).size).toBe(8);
  // What the page sent is what landed (this also checks that the wire is read right, gzip included).
  expect(new Set([...ofPhase(app.sent(), 'pending'), ...ofPhase(app.sent(), 'granted')].map((e) => e.messageId))).toEqual(new Set(ids));
  for (const e of ofPhase(landed, 'pending')) expect(Date.parse(e.originalTimestamp)).toBeLessThan(grantedAt);
});

test('consent pending (drop): events from before the grant never arrive, later ones do', async ({ page }) => {
  const app = await openApp(page, { whilePending: 'drop' });
  await trackPhase(page, 'pending', 5);
  await expectNeverSent(app, 'pending');

  await page.evaluate(() => (window as any).consent.grant('analytics'));
  await trackPhase(page, 'granted', 3);
  await expect.poll(async () => indices(ofPhase(await app.landed(), 'granted')), { timeout: 15_000 }).toEqual(range(3));
  // Sent after the grant, the later events would have carried any held ones with them.
  await expectNeverSent(app, 'pending');
});

test('opt-out: nothing is sent afterwards, on this page or the next', async ({ page }) => {
  const app = await openApp(page, { whilePending: 'queue' });
  await page.evaluate(() => (window as any).consent.grant('analytics'));
  await trackPhase(page, 'before', 2);
  // Delivery works for this visitor, so the silence below is the opt-out's doing.
  await expect.poll(async () => indices(ofPhase(await app.landed(), 'before')), { timeout: 15_000 }).toEqual(range(2));

  await page.evaluate(() => (window as any).consent.optOut());
  await trackPhase(page, 'opted-out', 3);
  await expectNeverSent(app, 'opted-out');

  // The next page's consent manager replays its grant, as they do on every page: the stored opt-out
  // must still win (without it, the grant alone would send these events).
  await page.reload();
  await page.waitForFunction(() => (window as any).tp?.anonymousId());
  await page.evaluate(() => (window as any).consent.grant('analytics'));
  await trackPhase(page, 'next page', 3);
  await expectNeverSent(app, 'next page');
});

test('masking: e-mail addresses and phone numbers in properties and the page URL never reach the collector', async ({ page }) => {
  const app = await openApp(page, { masking: true }, '/privacy/contact?email=jane.doe@example.com&tel=%2B1%20415%20555%200100');
  await page.evaluate(() => {
    const tp = (window as any).tp;
    tp.track('Contact Requested', { note: 'call +1 415 555 0100 or mail jane.doe@example.com' });
    tp.page();
    return tp.flush();
  });
  await expect.poll(async () => (await app.landed()).map((e) => e.event ?? e.type).sort(), { timeout: 15_000 }).toEqual(['Contact Requested', 'page']);

  const landed = await app.landed();
  expect(new Set(app.sent().map((e) => e.messageId))).toEqual(new Set(landed.map((e) => e.messageId)));
  // Any spelling: raw, percent-encoded, or with other separators between the digits.
  const leaks = [/jane\.doe/i, /415\D{0,3}555\D{0,3}0100/];
  for (const event of [...landed, ...app.sent()]) {
    const line = JSON.stringify(event);
    for (const leak of leaks) expect(line, `${event.event ?? event.type} event`).not.toMatch(leak);
    expect(event.context.page.url).toMatch(/\/privacy\/contact\?email=%5Bmasked%5D&tel=%5Bmasked%5D$/);
    expect(event.context.page.search).toBe('?email=%5Bmasked%5D&tel=%5Bmasked%5D');
  }
  const contact = landed.find((e) => e.event === 'Contact Requested')!;
  expect(contact.properties.note).toBe('call [masked] or mail [masked]');
});
