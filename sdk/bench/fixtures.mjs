// Fixtures of real SDK usage, bundled from the built package as an app's bundler would (rollup,
// node-resolve for the browser, terser), shared by `npm run bench:sdk` and the size budget test.
import { readFileSync } from 'node:fs';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { rollup } from 'rollup';

const root = new URL('../../', import.meta.url).pathname;

export const FIXTURES = {
  'npm: createTracker + page + track': `import { createTracker } from 'touchpoint';
    const tp = createTracker({ writeKey: 'k', endpoint: '' }); tp.page(); tp.track('Order Completed', { revenue: 1 });`,
  'npm: + identify, alias, group, reset': `import { createTracker } from 'touchpoint';
    const tp = createTracker({ writeKey: 'k', endpoint: '' }); tp.page(); tp.identify('u', {}); tp.alias('v'); tp.group('g'); tp.reset();`,
  'miniprogram: createTracker + track': `import { createTracker } from 'touchpoint/miniprogram';
    const tp = createTracker({ writeKey: 'k', endpoint: '' }); tp.track('Order Completed');`,
  'miniprogram: + lifecycle, pages, attribution plugins': `import { createTracker, attributionPlugin, lifecyclePlugin, pagesPlugin } from 'touchpoint/miniprogram';
    const pages = pagesPlugin();
    const tp = createTracker({ writeKey: 'k', endpoint: '', plugins: [attributionPlugin(), lifecyclePlugin(), pages] });
    Page(pages.wrapPage({})); tp.track('Order Completed');`,
};

const ENTRIES = { touchpoint: 'dist/sdk/browser/index.js', 'touchpoint/miniprogram': 'dist/sdk/miniprogram/index.js' };

export async function bundleFixture(source) {
  const bundle = await rollup({
    input: 'fixture',
    plugins: [
      {
        name: 'fixture',
        resolveId: (id) => (id === 'fixture' ? id : ENTRIES[id] ? root + ENTRIES[id] : null),
        load: (id) => (id === 'fixture' ? source : null),
      },
      nodeResolve({ browser: true }),
    ],
  });
  const { output } = await bundle.generate({ format: 'es', plugins: [terser({ ecma: 2020, module: true, compress: { passes: 2 } })] });
  return output[0].code;
}

export const scriptTagBundle = (file = 'touchpoint.min.js') => readFileSync(`${root}dist/${file}`, 'utf8');

/** The mini-program CommonJS file, as WeChat's "build npm" copies it. */
export const miniprogramBundle = () => readFileSync(`${root}dist/miniprogram/touchpoint.js`, 'utf8');

/** Anchors' mini-program SDK sizes (gzip), as issue 13 quotes them; not measured on this machine. */
export const MINIPROGRAM_ANCHORS = {
  Umeng: 13_600,
  'ByteDance DataFinder': 14_900,
  'Tencent 有数': 15_000,
  'Sensors Data': 18_200,
  GrowingIO: 21_600,
};
