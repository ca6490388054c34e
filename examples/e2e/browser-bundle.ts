import commonjs from '@rollup/plugin-commonjs';
import nodeResolve from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';

/**
 * Bundles `source` (an ES module that imports npm packages) for a page, as an app's own build
 * would: browser entry points, CommonJS dependencies converted, dynamic imports inlined.
 */
export async function bundleForBrowser(source: string): Promise<string> {
  const entry = '\0entry.js';
  const bundle = await rollup({
    input: entry,
    plugins: [
      { name: 'entry', resolveId: (id) => (id === entry ? id : null), load: (id) => (id === entry ? source : null) },
      nodeResolve({ browser: true }),
      commonjs(),
    ],
    onwarn: (warning, warn) => {
      // Packages compiled to ES modules by TypeScript keep a top-level `this`: harmless.
      if (warning.code !== 'THIS_IS_UNDEFINED') warn(warning);
    },
  });
  const { output } = await bundle.generate({ format: 'iife', inlineDynamicImports: true });
  await bundle.close();
  return output[0].code;
}
