import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM helper shared with `npm run bench:sdk`
import { bundleFixture, FIXTURES, miniprogramBundle, scriptTagBundle } from './bench/fixtures.mjs';
import { parse } from 'acorn';
import { randomBytes } from 'node:crypto';

// Size budgets that fail the build, in the manner of zod's bundle-size test: fixtures of real
// usage are bundled from the built package (`npm test` builds first) and gzipped.
const gzip = (code: string) => gzipSync(code, { level: 9 }).length;
const BUILT = new URL('../dist/touchpoint.min.js', import.meta.url);

describe('bundle size budgets', () => {
  it('needs the build', () => {
    expect(existsSync(BUILT), 'run `npm run build` first').toBe(true);
  });

  it('keeps the script-tag core (page, track, identify, batching, IndexedDB queue, retry, unload delivery) within 5,000 B gzip', () => {
    expect(gzip(scriptTagBundle())).toBeLessThanOrEqual(5000);
  });

  it('keeps the full script-tag build (core plus page views, clicks, attribution, sessions) within 12,000 B gzip', () => {
    expect(gzip(readFileSync(new URL('../dist/touchpoint.full.min.js', import.meta.url), 'utf8'))).toBeLessThanOrEqual(12_000);
  });

  it.each([
    ['npm: createTracker + page + track', 5000],
    ['npm: + identify, alias, group, reset', 5000],
    ['miniprogram: createTracker + track', 6000],
    ['miniprogram: + lifecycle, pages, attribution plugins', 8000],
  ])('keeps "%s" within %i B gzip', async (name, ceiling) => {
    const code: string = await bundleFixture((FIXTURES as Record<string, string>)[name]!);
    expect(gzip(code)).toBeLessThanOrEqual(ceiling);
  });

  // The WeChat build is the one CommonJS file all three hosts load (dist/miniprogram/touchpoint.js).
  const MINIPROGRAM_BUDGET = 8000;
  const withinMiniprogramBudget = (code: string) => gzip(code) <= MINIPROGRAM_BUDGET;

  it('keeps the mini-program CommonJS file (tracker, storage, request, lifecycle and every plugin) within 8,000 B gzip', () => {
    expect(gzip(miniprogramBundle())).toBeLessThanOrEqual(MINIPROGRAM_BUDGET);
    expect(withinMiniprogramBudget(miniprogramBundle())).toBe(true);
    // The same check on the same file grown by 1 KB that cannot be compressed: it fails.
    expect(withinMiniprogramBudget(`${miniprogramBundle()}/*${randomBytes(768).toString('base64')}*/`)).toBe(false);
  });

  it('makes the mini-program file one ES2017 CommonJS file for hosts without a DOM', () => {
    const code = miniprogramBundle();
    expect(() => parse(code, { ecmaVersion: 2017, sourceType: 'script' })).not.toThrow();
    expect(code).not.toMatch(/\brequire\(/);
    for (const name of ['document', 'window', 'indexedDB', 'localStorage', 'navigator']) expect(code).not.toContain(name);
    for (const name of ['createTracker', 'pagesPlugin', 'lifecyclePlugin', 'attributionPlugin']) expect(code).toContain(`exports.${name}`);
  });

  it('leaves platform code out of builds that did not ask for it', async () => {
    const browser: string = await bundleFixture((FIXTURES as Record<string, string>)['npm: createTracker + page + track']!);
    const miniprogram: string = await bundleFixture((FIXTURES as Record<string, string>)['miniprogram: createTracker + track']!);
    for (const code of [browser, scriptTagBundle(), scriptTagBundle('touchpoint.full.min.js')]) {
      for (const name of ['wx.', 'my.', 'tt.', 'getStorageInfo', 'onAppHide']) expect(code).not.toContain(name);
    }
    for (const name of ['document', 'indexedDB', 'navigator', 'location.href', 'addEventListener']) expect(miniprogram).not.toContain(name);
    // The collector's validation never reaches the browser: the SDK imports the protocol's types only.
    for (const name of ['zod', 'ZodError', 'safeParse']) expect(browser).not.toContain(name);
    // Plugins are opt-in: a build that did not import them carries none of their code.
    for (const name of ['Element Clicked', 'Page Left', 'tp:v1:attribution', 'tp:v1:session', 'pushState']) expect(browser).not.toContain(name);
  }, 60_000);
});
