import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redirectTracking } from '../redirect';
import { startTestCollector, type TestCollector } from '../test-collector';
import { CHROMIUM_ARGS } from './chromium';
import { DEFAULT_IGNORED_EVENTS, DEFAULT_IGNORED_PATHS, diffRuns } from './diff';
import { driveSteps } from './drive';
import { planSteps } from './plan';
import { formatReport } from './report';
import { readSession, sessionIdOf } from './session';

// A small multi-page site on the full script-tag build: a button, a form submitted with the
// keyboard, a link to another page, a single-page-app route change. A session is recorded by
// driving it in Chromium, written as the collector writes NDJSON, then replayed.

const snippet = `<script>
  !function(w,d){var t=w.touchpoint=w.touchpoint||[];if(t.init)return;
  ["init","track","page","screen","identify","alias","group","reset","flush"].forEach(function(m){
  t[m]=function(){t.push([m].concat([].slice.call(arguments)))}});
  var s=d.createElement("script");s.async=!0;s.src="/touchpoint.full.min.js";d.head.appendChild(s)}(window,document);
  touchpoint.init({ writeKey: 'demo', endpoint: '' });
</script>`;
const pages = (withBuy: boolean): Record<string, string> => ({
  '/': `<!doctype html><html><head><title>Home</title>${snippet}</head><body>
    ${withBuy ? `<button id="buy" onclick="touchpoint.track('Buy Clicked', { sku: 'tea' })">Buy</button>` : ''}
    <form id="news" onsubmit="event.preventDefault(); touchpoint.track('Newsletter Joined')"><input name="email"></form>
    <a id="about" href="/about">About us</a></body></html>`,
  '/about': `<!doctype html><html><head><title>About</title>${snippet}</head><body>
    <button id="team" onclick="history.pushState({}, '', '/about/team'); touchpoint.track('Team Shown')">Team</button></body></html>`,
});

let browser: Browser;
let site: Server;
let siteUrl: string;
let withBuy = true;
let dataDir: string;
let sessionId: string;
const ignore = { ignoreEvents: DEFAULT_IGNORED_EVENTS, ignorePaths: DEFAULT_IGNORED_PATHS };

beforeAll(async () => {
  const bundle = await readFile(new URL('../../../dist/touchpoint.full.min.js', import.meta.url), 'utf8');
  site = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    if (path === '/touchpoint.full.min.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    const html = pages(withBuy)[path === '/about/team' ? '/about' : path];
    if (!html) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });

  // Record: a person uses the site; its tracking goes to a collector, written out as NDJSON.
  const recorder = await startTestCollector();
  const context = await browser.newContext({ viewport: { width: 900, height: 650 } });
  await redirectTracking(context, recorder.url, 'auto');
  const page = await context.newPage();
  await page.goto(`${siteUrl}/`);
  await page.click('#buy');
  await page.fill('input[name=email]', 'someone@example.com');
  await page.press('input[name=email]', 'Enter');
  await page.click('#about');
  await page.waitForURL('**/about');
  await page.click('#team');
  await page.waitForTimeout(300);
  const closed = new Promise((r) => page.once('close', r));
  await page.close({ runBeforeUnload: true });
  await closed;
  await recorder.idle({ quietMs: 500 });
  await context.close();
  const recorded = recorder.good();
  await recorder.close();
  sessionId = sessionIdOf(recorded[0]!)!;
  dataDir = await mkdtemp(join(tmpdir(), 'qa-replay-'));
  await mkdir(join(dataDir, 'events', 'date=2025-06-01'), { recursive: true });
  await writeFile(join(dataDir, 'events', 'date=2025-06-01', 'part-1-1-0.ndjson'), recorded.map((e) => JSON.stringify(e)).join('\n') + '\n');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => site?.close(r));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function replay() {
  const events = await readSession(dataDir, sessionId);
  const steps = planSteps(events);
  const collector: TestCollector = await startTestCollector();
  try {
    const runs = await driveSteps(steps, { baseUrl: siteUrl, collector, browser, leaveAtEnd: true });
    const origin = new URL(siteUrl).origin;
    return { steps, runs, findings: diffRuns(runs, { ...ignore, recordedOrigin: origin, replayOrigin: origin }) };
  } finally {
    await collector.close();
  }
}

describe('replaying a recorded session', () => {
  it('finds the steps a person took, and the same site tracks the same', async () => {
    const { steps, runs, findings } = await replay();
    expect(steps.map((s) => `${s.kind} ${s.selector ?? new URL(s.url).pathname}`)).toEqual([
      'goto /',
      'click #buy',
      'submit #news',
      'click #about',
      'click #team',
    ]);
    expect(steps[0]!.viewport).toEqual({ width: 900, height: 650 });
    expect(steps.at(-1)!.expected.map((e) => e.event ?? e.type)).toEqual(expect.arrayContaining(['Element Clicked', 'Page Left', 'page', 'Team Shown']));
    expect(runs.map((r) => r.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(findings, formatReport(runs, findings)).toEqual([]);
    // Every recorded event (measurements aside) was produced again.
    const kept = (e: { event?: string }) => !DEFAULT_IGNORED_EVENTS.includes(e.event ?? '');
    expect(runs.flatMap((r) => r.captured).filter(kept).length).toBe(steps.flatMap((s) => s.expected).filter(kept).length);
  }, 60_000);

  it('says clearly when an element is gone, carries on, and names what went missing with its step', async () => {
    withBuy = false;
    try {
      const { runs, findings } = await replay();
      expect(runs[1]).toMatchObject({ status: 'skipped', note: 'element gone: nothing matches #buy or has the text "Buy"' });
      expect(runs.slice(2).map((r) => r.status)).toEqual(['done', 'done', 'done']);
      expect(findings.map((f) => [f.kind, f.step, f.kind === 'changed' ? '' : f.event.event])).toEqual([
        ['missing', 2, 'Element Clicked'],
        ['missing', 2, 'Buy Clicked'],
      ]);
      expect(formatReport(runs, findings)).toContain('step 2   click "Buy"  #buy   ✗ could not be replayed: element gone');
    } finally {
      withBuy = true;
    }
  }, 60_000);
});
