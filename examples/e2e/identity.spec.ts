import { expect, test, type Page } from '@playwright/test';
import { E2E_PORT } from '../../playwright.config';
import { snippet } from './snippet';

// The anonymous id in real Chromium: kept in IndexedDB and in a first-party cookie, which can be
// shared by a site's subdomains (`cookieDomain`). The chromium launch maps *.touchpoint.test to
// the collector, so two subdomains of one site can be visited for real.

const appHtml = (options: Record<string, unknown>) =>
  `<!doctype html><html><head><title>Identity</title>${snippet('/touchpoint.min.js', options)}</head><body></body></html>`;

async function anonymousIdAt(page: Page, url: string, options: Record<string, unknown> = {}): Promise<string> {
  await page.route('**/id/**', (route) => route.fulfill({ contentType: 'text/html', body: appHtml(options) }));
  await page.goto(url);
  await page.waitForFunction(() => (window as any).touchpoint?.anonymousId?.());
  return page.evaluate(() => (window as any).touchpoint.anonymousId());
}

const at = (host: string, path: string) => `http://${host}:${E2E_PORT}${path}`;

test('the anonymous id is kept in a first-party cookie, which restores it when storage is cleared', async ({ page, context }) => {
  const id = await anonymousIdAt(page, '/id/a');
  const cookie = (await context.cookies()).find((c) => c.name === 'tp_anon');
  expect(cookie).toMatchObject({ value: id, path: '/', sameSite: 'Lax', httpOnly: false });
  expect(cookie!.expires * 1000 - Date.now()).toBeGreaterThan(360 * 24 * 3600 * 1000);
  // Storage cleared (as some browsers do to script storage), cookie kept: the same visitor.
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const request = indexedDB.deleteDatabase('touchpoint');
        request.onsuccess = request.onerror = request.onblocked = resolve;
      }),
  );
  await page.goto('about:blank');
  expect(await anonymousIdAt(page, '/id/b')).toBe(id);
  // reset() starts a new visitor, in the cookie too.
  await page.evaluate(() => (window as any).touchpoint.reset());
  await expect.poll(async () => (await context.cookies()).find((c) => c.name === 'tp_anon')?.value).not.toBe(id);
  expect((await context.cookies()).find((c) => c.name === 'tp_anon')?.value).toBe(await page.evaluate(() => (window as any).touchpoint.anonymousId()));
});

test('with cookieDomain, two subdomains of a site share one anonymous id; without it they do not', async ({ browser }) => {
  const shared = await browser.newContext();
  const sharedPage = await shared.newPage();
  const shop = await anonymousIdAt(sharedPage, at('shop.touchpoint.test', '/id/shop'), { cookieDomain: '.touchpoint.test' });
  const blog = await anonymousIdAt(sharedPage, at('blog.touchpoint.test', '/id/blog'), { cookieDomain: '.touchpoint.test' });
  expect(blog).toBe(shop);
  await shared.close();

  const separate = await browser.newContext();
  const separatePage = await separate.newPage();
  const shopAlone = await anonymousIdAt(separatePage, at('shop.touchpoint.test', '/id/shop'));
  const blogAlone = await anonymousIdAt(separatePage, at('blog.touchpoint.test', '/id/blog'));
  expect(blogAlone).not.toBe(shopAlone);
  await separate.close();
});

test('cookie: false keeps the id out of cookies', async ({ page, context }) => {
  await anonymousIdAt(page, '/id/a', { cookie: false });
  expect((await context.cookies()).map((c) => c.name)).not.toContain('tp_anon');
});
