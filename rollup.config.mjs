// One build for the repo: the tree-shakable SDK (ESM, one file per module), the script-tag bundles
// (minified IIFE with their dependencies inlined), the mini-program file, and the collector (ESM for
// Node). The repo runs from dist/; the two published packages (sdk/ → `touchpoint`, collector/ →
// `@touchpoint/collector`) get the same files in their own dist/, plus CommonJS beside the ESM.
//
// TypeScript is only transpiled here (esbuild, file by file): type checking is `npm run typecheck`.
// With @rollup/plugin-typescript each of the five builds type-checked the whole program again:
// 2 min 39 s of CPU for ~16,000 lines. `rollup -c --configTypes` (after `tsc` has emitted
// dist/types) bundles the declarations per entry point, so no consumer meets a relative import
// without an extension (NodeNext) and each entry's types are one file.
import { copyFileSync, mkdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import json from '@rollup/plugin-json';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { dts } from 'rollup-plugin-dts';
import esbuild from 'rollup-plugin-esbuild';
import typescript from 'typescript';

const ts = (target = 'es2022') => esbuild({ target, tsconfig: './tsconfig.json', sourceMap: false });
// Everything that is not our own source stays an import: the app's bundler or Node resolves it.
const external = (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0');
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const nodeExternal = (id) => nodeBuiltins.has(id) || external(id);

const SDK = 'sdk/dist';
const COLLECTOR = 'collector/dist';
/** The repo's output and the same files in a package's folder. */
const alsoIn = (pkg, output) => [output, { ...output, dir: pkg }];
/**
 * Lowers a whole chunk's syntax with TypeScript (transpile only): for ES2017 its Object.assign and
 * one __rest are smaller than esbuild's helpers (mini-program file: 7,862 B gzip, not 8,441 B).
 */
const lowerTo = (target) => ({
  name: 'lower',
  renderChunk: (code) => typescript.transpileModule(code, { fileName: 'chunk.js', compilerOptions: { target } }).outputText,
});
/** Minified builds are rendered once (terser is most of the build's time) and copied to the package. */
const copyTo = (dir) => ({
  name: 'copy',
  writeBundle(options, bundle) {
    mkdirSync(dir, { recursive: true });
    for (const fileName of Object.keys(bundle)) copyFileSync(`${options.dir}/${fileName}`, `${dir}/${fileName}`);
  },
});

// What the SDK package re-exports from the collector package (an optional peer): `touchpoint/collector`
// and `touchpoint/testing` keep working for those who install both, and pull nothing for those who do not.
const reexports = [
  ['collector', '@touchpoint/collector'],
  ['testing', '@touchpoint/collector/testing'],
];
const emit = (files) => ({
  name: 'emit',
  generateBundle() {
    for (const [fileName, source] of files) this.emitFile({ type: 'asset', fileName, source });
  },
});

// `npx touchpoint …` from the SDK package: the commands live in the collector package.
const cliShim = `#!/usr/bin/env node
import('@touchpoint/collector/cli').catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes("'@touchpoint/collector")) throw error;
  process.stderr.write('touchpoint: the commands come with the collector package, which is not installed: npm install @touchpoint/collector\\n');
  process.exitCode = 1;
});
`;

// What `npm start` needs (collector/start.mjs builds only these when dist/ is stale): the server
// and the script-tag bundles it serves.
const serve = [
  ...[
    ['sdk/browser/global.ts', 'touchpoint.min.js'],
    ['sdk/browser/global-full.ts', 'touchpoint.full.min.js'],
  ].map(([input, file]) => ({
    input,
    plugins: [ts(), nodeResolve({ browser: true }), copyTo(COLLECTOR)],
    output: {
      dir: 'dist',
      entryFileNames: file,
      format: 'iife',
      plugins: [terser({ ecma: 2020, module: false, compress: { passes: 2 } })],
    },
  })),
  // Node: the collector, its CLI and `touchpoint/testing` (which runs a collector in the test).
  {
    input: {
      'collector/index': 'collector/index.ts',
      'collector/server': 'collector/server.ts',
      'collector/cli': 'collector/cli.ts',
      'sdk/testing/index': 'sdk/testing/index.ts',
    },
    external: nodeExternal,
    // The mini-program scene tables are data (collector/pipeline/enrich/scenes.json).
    plugins: [ts(), json({ preferConst: true })],
    output: alsoIn(COLLECTOR, { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'collector/[name]-[hash].js' }),
  },
];

const js = [
  ...serve,
  {
    input: {
      'sdk/browser/index': 'sdk/browser/index.ts',
      'sdk/miniprogram/index': 'sdk/miniprogram/index.ts',
    },
    external,
    plugins: [ts()],
    output: alsoIn(SDK, { dir: 'dist', format: 'es', preserveModules: true, preserveModulesRoot: '.' }),
  },
  // `require('touchpoint')`, `require('touchpoint/miniprogram')`; the re-exports and the CLI's entry.
  {
    input: { index: 'sdk/browser/index.ts', miniprogram: 'sdk/miniprogram/index.ts' },
    external,
    plugins: [
      ts(),
      emit([
        ...reexports.flatMap(([name, from]) => [
          [`${name}.js`, `export * from '${from}';\n`],
          [`${name}.cjs`, `module.exports = require('${from}');\n`],
        ]),
        ['cli.js', cliShim],
      ]),
    ],
    output: { dir: SDK, format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name]-[hash].cjs' },
  },
  // The mini-program SDK as one self-contained CommonJS file in ES2017 syntax: what WeChat's
  // "build npm" takes (package.json "miniprogram"), and what a native project can copy as it is.
  {
    input: 'sdk/miniprogram/commonjs.ts',
    // ES2017 syntax: mini-program hosts on older iOS run JavaScriptCore without ?. and ??.
    plugins: [
      ts('esnext'),
      lowerTo(typescript.ScriptTarget.ES2017),
      nodeResolve(),
      // `require('touchpoint')` after "build npm" opens the package's index.js.
      emit([['index.js', "module.exports = require('./touchpoint.js');\n"]]),
      copyTo(`${SDK}/miniprogram`),
    ],
    output: {
      dir: 'dist/miniprogram',
      entryFileNames: 'touchpoint.js',
      format: 'cjs',
      exports: 'named',
      plugins: [terser({ ecma: 2017, module: false, compress: { passes: 2 } })],
    },
  },
  // `require('@touchpoint/collector')`: the library entry as CommonJS (drivers still load with import()).
  {
    input: { index: 'collector/index.ts' },
    external: nodeExternal,
    plugins: [ts(), json({ preferConst: true })],
    output: { dir: COLLECTOR, format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'cjs/[name]-[hash].cjs' },
  },
];

// Each entry's declarations as one file, and a .d.cts twin for `require` (TypeScript reads a
// .d.ts in a "type": "module" package as ESM, which Node16 refuses to require).
const types = [
  ['sdk/browser/index', SDK, 'index'],
  ['sdk/miniprogram/index', SDK, 'miniprogram'],
  ['collector/index', COLLECTOR, 'index'],
  ['sdk/testing/index', COLLECTOR, 'testing'],
].map(([entry, dir, name]) => ({
  input: `dist/types/${entry}.d.ts`,
  external: nodeExternal,
  plugins: [
    dts({ respectExternal: false }),
    {
      name: 'cts',
      writeBundle() {
        copyFileSync(`${dir}/${name}.d.ts`, `${dir}/${name}.d.cts`);
      },
    },
    ...(dir === SDK && name === 'index'
      ? [
          emit(
            reexports.flatMap(([file, from]) => [
              [`${file}.d.ts`, `export * from '${from}';\n`],
              [`${file}.d.cts`, `export * from '${from}';\n`],
            ]),
          ),
        ]
      : []),
  ],
  output: { file: `${dir}/${name}.d.ts`, format: 'es' },
}));

export default (args) => (args.configTypes ? types : args.configServe ? serve : js);
