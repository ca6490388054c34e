import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startTestCollector, type TestCollector } from 'touchpoint/testing';
import { E2E_DATA_DIR } from '../../playwright.config';
import { readStream } from '../e2e/ndjson';

// Session replay end to end, as QA uses it: a person clicks through the demo shop (the collector
// Playwright starts writes NDJSON); `touchpoint replay` replays that session against the shop and
// against a copy with one tracking call removed; `--emit` writes it as a spec with the fixture,
// which passes against the shop and fails against the copy.

const EMITTED_DIR = '.tmp/qa-replay';

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    // A clean environment: the child must not think it is one of this run's workers.
    const child = spawn(command, args, { env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}
const touchpoint = (...args: string[]) => run(process.execPath, ['dist/collector/cli.js', ...args]);

let copy: TestCollector | undefined;
test.afterAll(async () => {
  await copy?.close();
});

test('a session recorded in the demo shop replays with an empty diff; one tracking call removed fails the replay and the emitted spec, naming it', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(240_000);
  // A person's session, recorded by the collector.
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();
  await page.goto('/');
  const tea = page.locator('[data-product-id="sku-tea"]');
  await tea.getByRole('button', { name: 'View' }).click();
  await tea.getByRole('button', { name: 'Add to cart' }).click();
  await page.locator('[data-product-id="sku-pot"]').getByRole('button', { name: 'Add to cart' }).click();
  await page.getByRole('button', { name: 'Checkout' }).click();
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.locator('#order-status')).toContainText('placed');
  const anonymousId = await page.evaluate(() => (window as any).touchpoint.anonymousId());
  // What the order click sent has been answered: a send still in flight as the tab closes would
  // carry the last events, and die with the tab (they would wait for the next visit).
  await page.evaluate(() => (window as any).touchpoint.flush());
  const closed = new Promise((r) => page.once('close', r));
  await page.close({ runBeforeUnload: true }); // the person closes the tab: `Page Left` goes with keepalive
  await closed;
  const mine = async () => (await readStream('events')).filter((e) => e.anonymousId === anonymousId);
  await expect.poll(async () => (await mine()).some((e) => e.event === 'Page Left'), { timeout: 15_000 }).toBe(true);
  await context.close(); // only now: closing the context would cancel the tab's last send
  const sessionId: string = (await mine())[0]!.context.session.id;

  const listed = await touchpoint('replay', '--list', '--data', E2E_DATA_DIR);
  expect(listed.out).toContain(sessionId);

  // The same shop: nothing differs.
  const same = await touchpoint('replay', '--session', sessionId, '--data', E2E_DATA_DIR, '--base-url', baseURL!);
  expect(same.code, same.out).toBe(0);
  expect(same.out).toMatch(/step 5 +click "Checkout" +#checkout +✓ Element Clicked, Checkout Started/);
  expect(same.out).toContain('No differences');

  // A copy of the shop where the checkout no longer tracks `Checkout Started`.
  const shop = await readFile('examples/shop/index.html', 'utf8');
  const call = "tracked('Checkout Started', { value: total(), revenue: total(), currency: 'CNY', products: cart.slice() });";
  expect(shop).toContain(call);
  await mkdir('.tmp', { recursive: true });
  await writeFile('.tmp/qa-shop-without-checkout-started.html', shop.replace(call, ''));
  copy = await startTestCollector({ demoPagePath: '.tmp/qa-shop-without-checkout-started.html' });
  const broken = await touchpoint('replay', '--session', sessionId, '--data', E2E_DATA_DIR, '--base-url', copy.url);
  expect(broken.code, broken.out).toBe(1);
  expect(broken.out).toMatch(/step 5 +click "Checkout" +#checkout\n +- missing +"Checkout Started" \{"value":356,"revenue":356,"currency":"CNY"/);
  expect(broken.out).toContain('1 difference(s): 1 missing, 0 extra, 0 changed; 0 of 6 steps could not be replayed.');

  // The session as a spec with the fixture: it passes against the shop, and fails against the copy.
  await rm(EMITTED_DIR, { recursive: true, force: true });
  await mkdir(EMITTED_DIR, { recursive: true });
  const spec = join(EMITTED_DIR, 'session.spec.ts');
  const emitted = await touchpoint('replay', '--session', sessionId, '--data', E2E_DATA_DIR, '--base-url', baseURL!, '--emit', spec);
  expect(emitted.code, emitted.out).toBe(0);
  expect(await readFile(spec, 'utf8')).toContain('await expect(tracking).toHaveTracked("Checkout Started", {');
  const playwright = (base: string) =>
    run(process.execPath, ['node_modules/@playwright/test/cli.js', 'test', '--config', 'examples/qa/emitted.config.ts'], { REPLAY_BASE_URL: base });
  const passing = await playwright(baseURL!);
  expect(passing.code, passing.out).toBe(0);
  const failing = await playwright(copy.url);
  expect(failing.code, failing.out).toBe(1);
  expect(failing.out).toContain('expect(tracking).toHaveTracked(expected)');
  expect(failing.out).toContain('Expected an event "Checkout Started" {"properties":{"value":356,"revenue":356,"currency":"CNY"');
  expect(failing.out).toMatch(/none arrived within 5000 ms\.\n\s*\d+ event\(s\) arrived: page, .*Product Added ×2\.\n\s*None is named "Checkout Started"\./);
  test.info().annotations.push({ type: 'failing matcher, as the user sees it', description: failing.out });
});
