// One build for the whole package: the tree-shakable SDK (ESM, one file per module), the
// script-tag bundle (minified IIFE with its dependencies inlined) and the collector (ESM for Node).
import { builtinModules } from 'node:module';
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
      'sdk/testing/index': 'sdk/testing/index.ts',
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
  {
    input: { 'collector/index': 'collector/index.ts', 'collector/server': 'collector/server.ts', 'collector/cli': 'collector/cli.ts' },
    external: (id) => nodeBuiltins.has(id) || external(id),
    plugins: [ts()],
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'collector/[name]-[hash].js' },
  },
];
