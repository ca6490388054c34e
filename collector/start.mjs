// `npm start`: builds what the server needs only when dist/ is older than the source, then runs the
// server in this same process (one Node start, not two); `npm run build` builds the rest. A restart
// by a supervisor so skips the build; reading the times of ~500 files takes a few ms.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = ['sdk', 'collector', 'rollup.config.mjs', 'tsconfig.json', 'package.json', 'package-lock.json'];
// What the builds `npm start` needs write (`rollup -c --configServe`: the server and the bundles it serves).
const OUTPUTS = ['dist/collector/server.js', 'dist/touchpoint.min.js', 'dist/touchpoint.full.min.js'];
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

if (oldestOutput() < Math.max(...SOURCES.map((path) => newest(join(root, path))))) {
  const rollup = join(root, 'node_modules/rollup/dist/bin/rollup');
  const { status } = spawnSync(process.execPath, [rollup, '-c', '--configServe', '--silent'], { cwd: root, stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
await import('../dist/collector/server.js');
