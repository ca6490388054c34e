// `npm start` builds only when dist/ is older than the source: a restart by a supervisor then
// serves in well under 2 s instead of rebuilding. Reading the times of ~500 files takes a few ms.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = ['sdk', 'collector', 'rollup.config.mjs', 'tsconfig.json', 'package.json', 'package-lock.json'];
// One output of each rollup build that `npm start` needs; the collector's CommonJS build is the last one written.
const OUTPUTS = ['dist/collector/server.js', 'dist/touchpoint.min.js', 'dist/touchpoint.full.min.js', 'collector/dist/index.cjs'];
const SKIP = new Set(['dist', 'node_modules', 'bench']);

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return /\.test\.ts$|\.md$/.test(path) ? 0 : stat.mtimeMs;
  let time = 0;
  for (const entry of readdirSync(path)) if (!SKIP.has(entry)) time = Math.max(time, newest(join(path, entry)));
  return time;
}

function oldestOutput() {
  try {
    return Math.min(...OUTPUTS.map((file) => statSync(join(root, file)).mtimeMs));
  } catch {
    return -Infinity; // an output is missing
  }
}

/** True when the JavaScript build is missing or older than a source file. */
export function isStale() {
  return oldestOutput() < Math.max(...SOURCES.map((path) => newest(join(root, path))));
}

if (process.argv[1] === fileURLToPath(import.meta.url) && isStale()) {
  const { status } = spawnSync('npm', ['run', 'build:js'], { cwd: root, stdio: 'inherit' });
  process.exit(status ?? 1);
}
