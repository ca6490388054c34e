import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { E2E_DATA_DIR } from '../../playwright.config';
import { readStream } from './ndjson';

// What a new user does: click through the demo shop, then run the analysis commands on the data
// folder the collector wrote, and open the HTML report in Chromium.
const run = promisify(execFile);
const touchpoint = (...args: string[]) => run(process.execPath, ['dist/collector/cli.js', ...args, '--data', E2E_DATA_DIR]);

test("the demo shop's journey, then funnel, attribution and RFM on what landed, as tables, JSON and an HTML report", async ({ page, browser }) => {
  await page.goto('/');
  const tea = page.locator('[data-product-id="sku-tea"]');
  await tea.getByRole('button', { name: 'View' }).click();
  await tea.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByRole('button', { name: 'Checkout' }).click();
  await page.getByRole('button', { name: 'Place order' }).click();
  const orderId = (await page.locator('#order-status').textContent())!.match(/Order (\S+) placed/)![1]!;
  await expect.poll(async () => (await readStream('events')).some((e) => e.properties?.order_id === orderId), { timeout: 15_000 }).toBe(true);

  const steps = 'Product Viewed,Product Added,Order Completed';
  const table = (await touchpoint('funnel', '--steps', steps, '--within', '1d')).stdout;
  expect(table).toMatch(/^step\s+event\s+persons\s+conversion/);
  expect(table).toContain('Order Completed');
  const json = JSON.parse((await touchpoint('funnel', '--steps', steps, '--within', '1d', '--json')).stdout);
  expect(json.steps.map((s: { event: string }) => s.event)).toEqual(steps.split(','));
  expect(json.steps[2].persons).toBeGreaterThanOrEqual(1);

  const reports = await mkdtemp(join(tmpdir(), 'tp-report-'));
  await touchpoint('funnel', '--steps', steps, '--within', '1d', '--html', join(reports, 'funnel.html'));
  await touchpoint('attribution', '--model', 'linear', '--html', join(reports, 'attribution.html'));
  await touchpoint('rfm', '--html', join(reports, 'rfm.html'));

  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(join(reports, 'funnel.html')).href);
  const bars = page.locator('#funnel figure').first().locator('g.step');
  await expect(bars).toHaveCount(3);
  await expect(bars.nth(0).locator('text').first()).toHaveText(new RegExp(`^Product Viewed: ${json.steps[0].persons} \\(100\\.0%\\)$`));
  await expect(bars.nth(2).locator('text').first()).toContainText(`Order Completed: ${json.steps[2].persons}`);
  const widths = await bars.locator('rect').evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('width'))));
  expect(widths[0]).toBeGreaterThanOrEqual(widths[2]!);
  const funnelShot = await page.screenshot();

  await page.goto(pathToFileURL(join(reports, 'attribution.html')).href);
  await expect(page.locator('#attribution tbody tr').first()).toContainText(/\(direct\)|\(referral\)|\(organic\)|\(paid\)|\w/);
  await page.goto(pathToFileURL(join(reports, 'rfm.html')).href);
  await expect(page.locator('#rfm .grid tbody td')).toHaveCount(25);
  await expect(page.locator('#rfm h2')).toContainText('customers');

  // Nothing fetched: every request was the report file itself.
  expect(requests.every((url) => url.startsWith('file://'))).toBe(true);
  // Not blank: the report's screenshot is far from an empty page's.
  const blank = await browser.newPage();
  await blank.setViewportSize(page.viewportSize()!);
  const blankShot = await blank.screenshot();
  await blank.close();
  expect(funnelShot.length).toBeGreaterThan(blankShot.length * 3);
});
