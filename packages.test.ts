// The two published packages as a user gets them: `npm pack` of sdk/ and collector/ (after
// `npm run build`), installed from the tarballs into throwaway projects, compiled by TypeScript with
// skipLibCheck off under each module setting users pick (Bundler, NodeNext, Node16; ESM and
// CommonJS), and run by Node with `import` and `require`. Each project carries `@ts-expect-error`
// on a call with a wrong argument: were createTracker or createCollector typed `any`, the unused
// directive would fail the compile. An SDK-only install is read back to prove it holds no collector.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const run = promisify(execFile);
const root = new URL('.', import.meta.url).pathname;
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const version: string = JSON.parse(readFileSync(join(root, 'sdk/package.json'), 'utf8')).version;
// The collector's runtime dependencies: none may reach an SDK-only install.
const collectorDependencies = Object.keys(JSON.parse(readFileSync(join(root, 'collector/package.json'), 'utf8')).dependencies);

let work: string;
let tarballs: { sdk: string; collector: string };

const write = (dir: string, files: Record<string, unknown>) => {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
};
// From the npm cache the root install filled; the registry only for what it lacks.
const npmInstall = (dir: string, ...specs: string[]) =>
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=optional', ...specs], { cwd: dir });

/** Installed package names under node_modules, scoped ones as `@scope/name`. */
function installed(dir: string): string[] {
  const modules = join(dir, 'node_modules');
  return readdirSync(modules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) => (name.startsWith('@') ? readdirSync(join(modules, name)).map((inner) => `${name}/${inner}`) : [name]));
}

beforeAll(async () => {
  if (!existsSync(join(root, 'sdk/dist/index.d.ts'))) throw new Error('packages.test.ts needs the build: run `npm run build` first');
  work = mkdtempSync(join(tmpdir(), 'tp-packages-'));
  await run('npm', ['pack', '--workspace', 'sdk', '--workspace', 'collector', '--pack-destination', work], { cwd: root });
  tarballs = { sdk: join(work, `touchpoint-${version}.tgz`), collector: join(work, `touchpoint-collector-${version}.tgz`) };
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }), 60_000);

test('each package carries its LICENSE, and only what it ships', async () => {
  for (const tarball of Object.values(tarballs)) {
    const { stdout } = await run('tar', ['tzf', tarball]);
    const files = stdout.split('\n');
    expect(files).toContain('package/LICENSE');
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
  }
});

describe('an SDK-only install', () => {
  let app: string;
  beforeAll(async () => {
    app = join(work, 'sdk-only');
    write(app, { 'package.json': { name: 'sdk-only', private: true, type: 'module' } });
    await npmInstall(app, tarballs.sdk);
  }, 120_000);

  test('holds the SDK and its two dependencies, nothing of the collector', () => {
    const names = installed(app);
    expect(names.sort()).toEqual(['idb-keyval', 'touchpoint', 'web-vitals']);
    for (const dependency of [...collectorDependencies, '@touchpoint/collector', 'pg', 'mysql2', 'kafkajs', 'ioredis']) expect(names).not.toContain(dependency);
  });

  test('the SDK loads with import and require; the CLI names the package it needs, in one line', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { createTracker } from 'touchpoint'; import { createRequire } from 'node:module'; const required = createRequire(import.meta.url)('touchpoint'); console.log(typeof createTracker, typeof required.createTracker)",
      ],
      { cwd: app },
    );
    expect(stdout.trim()).toBe('function function');
    const cli = await run(join(app, 'node_modules/.bin/touchpoint'), ['--help'], { cwd: app }).catch((error) => error);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toBe('touchpoint: the commands come with the collector package, which is not installed: npm install @touchpoint/collector\n');
  });
});

// One install (both packages, no optional drivers) under the projects, which share its node_modules.
const SETTINGS = [
  { name: 'bundler-esm', module: 'esnext', moduleResolution: 'bundler', type: 'module' },
  { name: 'nodenext-esm', module: 'nodenext', moduleResolution: 'nodenext', type: 'module' },
  { name: 'nodenext-cjs', module: 'nodenext', moduleResolution: 'nodenext', type: 'commonjs' },
  { name: 'node16-esm', module: 'node16', moduleResolution: 'node16', type: 'module' },
  { name: 'node16-cjs', module: 'node16', moduleResolution: 'node16', type: 'commonjs' },
] as const;
type Setting = (typeof SETTINGS)[number];

// What each project runs: the same for ESM and CommonJS but the way it waits (no top-level await in CommonJS).
const consumer = (body: string) => `import { createTracker } from 'touchpoint';
import { createTracker as createMiniProgramTracker } from 'touchpoint/miniprogram';
import { createCollector } from '@touchpoint/collector';
import { createCollector as createCollectorFromSdk } from 'touchpoint/collector';

// @ts-expect-error writeKey is a string
export const wrongTracker = () => createTracker({ writeKey: 42 });
// @ts-expect-error port is a number
export const wrongCollector = () => createCollectorFromSdk({ port: 'eighty' });

async function main(): Promise<string> {
  const tracker = createTracker({ writeKey: 'k', endpoint: 'http://127.0.0.1:9' });
  tracker.track('Consumer Compiled', { ok: true });
  const miniProgram = createMiniProgramTracker({ writeKey: 'k', endpoint: 'http://127.0.0.1:9' });
  miniProgram.track('Consumer Compiled');
  const collector = await createCollector({ host: '127.0.0.1', port: 0, dataDir: 'data', logLevel: 'silent' });
  const { url } = await collector.start();
  const health = await fetch(url + '/healthz');
  await collector.stop();
  const missing = await createCollectorFromSdk({ dataDir: 'data', logLevel: 'silent', sinks: [{ type: 'postgres', name: 'warehouse', url: 'postgres://127.0.0.1/test' }] }).then(
    () => 'opened',
    (error: Error) => error.message,
  );
  return JSON.stringify({ health: health.status, tracker: typeof tracker.flush, miniProgram: typeof miniProgram.flush, missing });
}
${body}
`;

describe('consumer projects', () => {
  beforeAll(async () => {
    const consumers = join(work, 'consumers');
    write(consumers, { 'package.json': { name: 'consumers', private: true } });
    await npmInstall(consumers, tarballs.sdk, tarballs.collector, '@types/node@20.19.43');
  }, 180_000);

  test("`npx touchpoint` runs the collector package's commands", async () => {
    const { stdout } = await run(join(work, 'consumers/node_modules/.bin/touchpoint'), ['--help']);
    expect(stdout).toMatch(/^Usage: touchpoint <command>/);
    expect(stdout).toContain('funnel');
  });

  // One at a time: each compile is a CPU-bound tsc (skipLibCheck off reads all of @types/node, hono,
  // zod…), ~15 s of CPU; five at once on two shared cores ran past any sane timeout.
  test.for<Setting>([...SETTINGS])('$name compiles with skipLibCheck off, and runs', { timeout: 300_000 }, async (setting) => {
    const { name, type, ...modules } = setting;
    const project = join(work, 'consumers', name);
    const compilerOptions = { ...modules, target: 'es2022', lib: ['es2022', 'dom'], types: ['node'], strict: true, skipLibCheck: false, outDir: 'out' };
    write(project, {
      'package.json': { name, private: true, type },
      'tsconfig.json': { compilerOptions, include: ['index.ts'] },
      'index.ts': consumer(type === 'module' ? 'console.log(await main());' : 'main().then((line) => console.log(line));'),
    });
    const compiled = await run(process.execPath, [tsc, '-p', project]).catch((error) => error);
    expect(compiled.stdout).toBe('');
    const { stdout } = await run(process.execPath, [join(project, 'out/index.js')], { cwd: project });
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ health: 200, tracker: 'function', miniProgram: 'function' });
    // The missing optional driver: one line naming the package to install.
    expect(result.missing).toMatch(/npm install pg$/);
    expect(result.missing).not.toContain('\n');
  });
});
