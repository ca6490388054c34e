// `npm run bench:startup`: what a new user and a supervisor wait for. A fresh clone of this
// checkout's HEAD, then `npm install`, then `npm start` until /healthz answers (a cold start: it
// builds); `npm start` again after stopping it (a restart: dist is current, nothing is built); and
// the build's parts on their own. Wall-clock seconds, and the CPU seconds of the processes, which
// a loaded machine inflates far less (the load average is printed beside them). Bounded: each step
// has a deadline.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const PORT = Number(process.env.BENCH_PORT ?? 18_795);
const work = mkdtempSync(join(tmpdir(), 'tp-startup-'));
const clone = join(work, 'clone');
const env = { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', TOUCHPOINT_DATA_DIR: join(work, 'data'), LOG_LEVEL: 'warn' };
const figures = [];

const TICK_MS = 10; // USER_HZ = 100 on Linux

function timed(label, command, args, timeoutMs) {
  const out = join(work, 'time');
  const started = performance.now();
  execFileSync('/usr/bin/time', ['-o', out, '-f', '%U %S', command, ...args], { cwd: clone, env, stdio: ['ignore', 'ignore', 'inherit'], timeout: timeoutMs });
  const [user, system] = readFileSync(out, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
  figures.push([label, performance.now() - started, (user + system) * 1000]);
}

/** CPU time of a process group (`npm start` and the node it runs), children already reaped included. */
function groupCpuMs(pgid) {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(fields[2]) === pgid) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // the process ended while we read
    }
  }
  return ticks * TICK_MS;
}

/** `npm start` until /healthz answers 200; returns the running process group to stop. */
async function startUntilHealthy(label, timeoutMs) {
  const started = performance.now();
  const child = spawn('npm', ['start'], { cwd: clone, env, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  while (performance.now() - started < timeoutMs) {
    const status = await fetch(`http://127.0.0.1:${PORT}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) {
      figures.push([label, performance.now() - started, groupCpuMs(child.pid)]);
      return { stop: () => (process.kill(-child.pid, 'SIGTERM'), exited) };
    }
    if (child.exitCode !== null) throw new Error(`${label}: npm start exited with ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  process.kill(-child.pid, 'SIGKILL');
  throw new Error(`${label}: no /healthz within ${timeoutMs} ms`);
}

try {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  execFileSync('git', ['clone', '--quiet', root, clone]);
  const load = loadavg()[0];
  timed('npm install (fresh clone, npm cache as this machine has it)', 'npm', ['install'], 300_000);
  let server = await startUntilHealthy('npm start → /healthz (builds: dist missing)', 180_000);
  const coldTotal = figures[0][1] + figures[1][1];
  const coldCpu = figures[0][2] + figures[1][2];
  await server.stop();
  server = await startUntilHealthy('npm start → /healthz again (restart: dist current)', 60_000);
  await server.stop();
  timed('npm run build:js (rollup: esbuild transpile, terser)', 'npm', ['run', 'build:js'], 300_000);
  timed('npm run build:types (tsc declarations, bundled per entry)', 'npm', ['run', 'build:types'], 300_000);
  timed('npm run build (both)', 'npm', ['run', 'build'], 600_000);

  console.log(`start-up of ${commit}, load average ${load.toFixed(1)} at the start (${loadavg()[0].toFixed(1)} at the end) on this machine's cores\n`);
  const seconds = (ms) => (ms / 1000).toFixed(2);
  console.log('| step | wall s | CPU s |\n| --- | ---: | ---: |');
  for (const [label, ms, cpuMs] of figures) console.log(`| ${label} | ${seconds(ms)} | ${seconds(cpuMs)} |`);
  console.log(`| **fresh clone: npm install && npm start → /healthz** | **${seconds(coldTotal)}** | ${seconds(coldCpu)} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
