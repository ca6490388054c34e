// Compiles the TypeScript benchmark with the project's own rollup and TypeScript plugin, then runs it.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import json from '@rollup/plugin-json';
import typescript from '@rollup/plugin-typescript';
import { rollup } from 'rollup';

const root = resolve(new URL('../../..', import.meta.url).pathname);
const out = join(root, '.tmp', 'bench-analysis.mjs');
mkdirSync(join(root, '.tmp'), { recursive: true });
const bundle = await rollup({
  input: join(root, 'collector/analysis/bench/bench.ts'),
  external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0'),
  plugins: [json(), typescript({ tsconfig: join(root, 'tsconfig.json'), noEmitOnError: false, compilerOptions: { noEmit: false } })],
  onwarn: () => {},
});
await bundle.write({ file: out, format: 'es' });
await import(out);
