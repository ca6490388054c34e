import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import vm from 'node:vm';
import type { FakeRuntime } from './fake-runtime';

/**
 * Runs a native mini-program project (app.js, app.json, pages/…/*.js, CommonJS) in a fresh
 * JavaScript context with the fake runtime's globals, as the platform's app service does: each
 * launch gets its own context, so a kill really forgets everything but storage. `modules` maps
 * module names to files (`touchpoint` → the built CommonJS SDK, as WeChat's "build npm" does).
 */
export function runMiniProgram(runtime: FakeRuntime, projectDir: string, modules: Record<string, string>) {
  const context = vm.createContext({ ...runtime.globals, console, Date, Math, JSON, Promise, encodeURIComponent, decodeURIComponent });
  const cache = new Map<string, unknown>();
  function load(file: string): unknown {
    if (cache.has(file)) return cache.get(file);
    const module = { exports: {} as unknown };
    cache.set(file, module.exports);
    const source = readFileSync(file, 'utf8');
    const fn = vm.runInContext(`(function (module, exports, require) {${source}\n})`, context, { filename: file });
    fn(module, module.exports, (name: string) =>
      load(modules[name] ?? (name.startsWith('.') ? resolve(dirname(file), name.endsWith('.js') ? name : `${name}.js`) : name)),
    );
    cache.set(file, module.exports);
    return module.exports;
  }
  const appJson = JSON.parse(readFileSync(join(projectDir, 'app.json'), 'utf8')) as { pages: string[] };
  for (const route of appJson.pages) runtime.pageLoaders.set(route, () => load(join(projectDir, `${route}.js`)));
  runtime.start(() => load(join(projectDir, 'app.js')));
  return context;
}
