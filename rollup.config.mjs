// One build for the whole package: the tree-shakable SDK (ESM, one file per module), the
// script-tag bundle (minified IIFE with its dependencies inlined) and the collector (ESM for Node).
import { builtinModules } from 'node:module';
import json from '@rollup/plugin-json';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

const ts = () =>
  typescript({ tsconfig: './tsconfig.json', noEmitOnError: false, compilerOptions: { noEmit: false } });
// Everything that is not our own source stays an import: the app's bundler or Node resolves it.
const external = (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0');
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

export default [
  {
    input: {
      'sdk/browser/index': 'sdk/browser/index.ts',
      'sdk/miniprogram/index': 'sdk/miniprogram/index.ts',
    },
    external,
    plugins: [ts()],
    output: { dir: 'dist', format: 'es', preserveModules: true, preserveModulesRoot: '.' },
  },
  ...[
    ['sdk/browser/global.ts', 'dist/touchpoint.min.js'],
    ['sdk/browser/global-full.ts', 'dist/touchpoint.full.min.js'],
  ].map(([input, file]) => ({
    input,
    plugins: [ts(), nodeResolve({ browser: true })],
    output: { file, format: 'iife', plugins: [terser({ ecma: 2020, module: false, compress: { passes: 2 } })] },
  })),
  // The mini-program SDK as one self-contained CommonJS file in ES2017 syntax: what WeChat's
  // "build npm" takes (package.json "miniprogram"), and what a native project can copy as it is.
  {
    input: 'sdk/miniprogram/commonjs.ts',
    // ES2017 syntax: mini-program hosts on older iOS run JavaScriptCore without ?. and ??.
    plugins: [
      typescript({ tsconfig: './tsconfig.json', noEmitOnError: false, compilerOptions: { noEmit: false, target: 'ES2017' } }),
      nodeResolve(),
      // `require('touchpoint')` after "build npm" opens the package's index.js.
      { name: 'index', generateBundle() { this.emitFile({ type: 'asset', fileName: 'index.js', source: "module.exports = require('./touchpoint.js');\n" }); } },
    ],
    output: {
      dir: 'dist/miniprogram',
      entryFileNames: 'touchpoint.js',
      format: 'cjs',
      exports: 'named',
      plugins: [terser({ ecma: 2017, module: false, compress: { passes: 2 } })],
    },
  },
  // Node: the collector, its CLI and `touchpoint/testing` (which runs a collector in the test).
  {
    input: {
      'collector/index': 'collector/index.ts',
      'collector/server': 'collector/server.ts',
      'collector/cli': 'collector/cli.ts',
      'sdk/testing/index': 'sdk/testing/index.ts',
    },
    external: (id) => nodeBuiltins.has(id) || external(id),
    // The mini-program scene tables are data (collector/pipeline/enrich/scenes.json).
    plugins: [ts(), json({ preferConst: true })],
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'collector/[name]-[hash].js' },
  },
];
