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
    const tp = createTracker({ writeKey: 'k', endpoint: '', transport: async () => ({ status: 200 }) }); tp.track('Order Completed');`,
};

const ENTRIES = { touchpoint: 'dist/sdk/browser/index.js', 'touchpoint/miniprogram': 'dist/sdk/miniprogram/index.js' };

export async function bundleFixture(source) {
  const bundle = await rollup({
    input: 'fixture',
    plugins: [
      { name: 'fixture', resolveId: (id) => (id === 'fixture' ? id : ENTRIES[id] ? root + ENTRIES[id] : null), load: (id) => (id === 'fixture' ? source : null) },
      nodeResolve({ browser: true }),
    ],
  });
  const { output } = await bundle.generate({ format: 'es', plugins: [terser({ ecma: 2020, module: true, compress: { passes: 2 } })] });
  return output[0].code;
}

export const scriptTagBundle = (file = 'touchpoint.min.js') => readFileSync(`${root}dist/${file}`, 'utf8');
