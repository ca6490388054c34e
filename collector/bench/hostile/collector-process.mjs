// A built collector (`<checkout>/dist/collector/server.js`) as a child process on loopback, with
// its own temp folder (config file, data dir), free ports, and its CPU time from /proc.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { atInterrupt } from './cleanup.mjs';

/** Clock ticks per second, the unit of /proc/<pid>/stat's CPU times. */
export const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** A TCP port on 127.0.0.1 that the kernel hands out as free. */
export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** CPU time of a process, all threads (utime + stime), in ms. */
export function cpuMsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** The path of a checkout's built server, or an error saying how to build it. */
export function serverScript(checkout) {
  const script = resolve(checkout, 'dist/collector/server.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm install && npm run build\` in ${checkout}`);
  return script;
}

/**
 * Starts the collector of `checkout` with `config` written as its TOUCHPOINT_CONFIG file.
 * TOUCHPOINT_ADMIN_PORT is always set: a build with an admin listener opens it (`adminUrl`), an
 * older build ignores the variable (`adminUrl` undefined).
 */
export async function startCollector(checkout, config = {}) {
  const script = serverScript(checkout);
  const dir = mkdtempSync(join(tmpdir(), 'tp-hostile-'));
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'touchpoint.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const [port, adminPort] = [await freePort(), await freePort()];
  // Nothing of the caller's own collector settings leaks in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(TOUCHPOINT_|PORT$|HOST$|LOG_LEVEL$)/.test(name)));
  const child = spawn(process.execPath, [script], {
    cwd: dir,
    env: {
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      TOUCHPOINT_DATA_DIR: dataDir,
      TOUCHPOINT_CONFIG: configFile,
      LOG_LEVEL: 'warn',
      TOUCHPOINT_ADMIN_PORT: String(adminPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  const keep = (chunk) => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    output.splice(0, Math.max(0, output.length - 50));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((done) => child.once('exit', done));
  const forget = atInterrupt(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const collector = {
    url: `http://127.0.0.1:${port}`,
    adminUrl: undefined,
    dataDir,
    pid: child.pid,
    /** The last lines the process wrote (warnings and errors: LOG_LEVEL=warn). */
    output,
    cpuMs: () => cpuMsOf(child.pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        // A build whose pumps retry a refused batch forever may not stop on its own.
        const stopped = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
        if (!stopped) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      rmSync(dir, { recursive: true, force: true });
      forget();
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await collector.stop();
      throw new Error(`the collector of ${checkout} exited at start: ${output.slice(-5).join(' | ')}`);
    }
    if (
      await fetch(`${collector.url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) {
      await collector.stop();
      throw new Error(`the collector of ${checkout} did not answer /healthz within 30 s`);
    }
    await sleep(100);
  }
  const admin = `http://127.0.0.1:${adminPort}`;
  if (
    await fetch(`${admin}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
  )
    collector.adminUrl = admin;
  return collector;
}
