import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM helper shared with `npm run bench:sdk`
import { bundleFixture, FIXTURES, scriptTagBundle } from './bench/fixtures.mjs';

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
    ['miniprogram: createTracker + track', 4000],
  ])('keeps "%s" within %i B gzip', async (name, ceiling) => {
    const code: string = await bundleFixture((FIXTURES as Record<string, string>)[name]!);
    expect(gzip(code)).toBeLessThanOrEqual(ceiling);
  });

  it('leaves platform code out of builds that did not ask for it', async () => {
    const browser: string = await bundleFixture((FIXTURES as Record<string, string>)['npm: createTracker + page + track']!);
    const miniprogram: string = await bundleFixture((FIXTURES as Record<string, string>)['miniprogram: createTracker + track']!);
    for (const name of ['wx.', 'my.request', 'tt.request']) expect(browser).not.toContain(name);
    for (const name of ['document', 'indexedDB', 'navigator', 'location.href', 'addEventListener']) expect(miniprogram).not.toContain(name);
    // The collector's validation never reaches the browser: the SDK imports the protocol's types only.
    for (const name of ['zod', 'ZodError', 'safeParse']) expect(browser).not.toContain(name);
    // Plugins are opt-in: a build that did not import them carries none of their code.
    for (const name of ['Element Clicked', 'Page Left', 'tp:v1:attribution', 'tp:v1:session', 'pushState']) expect(browser).not.toContain(name);
  });
});
