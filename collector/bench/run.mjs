// `npm run bench:collector`: the bare-Node baseline and the real collector (default config:
// validation, enrichment, de-dup, durable spool, NDJSON sink), each driven by the same load from a
// second process on loopback. Bounded: a few seconds per phase.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const PORT = 18_790;

function rssOf(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
  } catch {
    return 0;
  }
}

async function start(script) {
  const dir = mkdtempSync(join(tmpdir(), 'tp-bench-'));
  const child = spawn(process.execPath, [script], { env: { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', TOUCHPOINT_DATA_DIR: dir, LOG_LEVEL: 'error' }, stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://127.0.0.1:${PORT}/healthz`).then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, dir };
}

function load(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'load.mjs'), `http://127.0.0.1:${PORT}`, ...args.map(String)]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator exited ${code}`))));
  });
}

async function measure(name, script) {
  const { child, dir } = await start(script);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(child.pid))), 100);
  await load([2, CONNECTIONS]); // warm-up
  const max = await load([SECONDS, CONNECTIONS]);
  const half = await load([SECONDS, CONNECTIONS, Math.round(max.requestsPerSecond / 2)]);
  clearInterval(sampler);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return { name, max, half, peakRssMB: peak / 1e6 };
}

const baseline = await measure('bare node:http baseline', join(here, 'baseline.mjs'));
const collector = await measure('touchpoint collector', join(here, '../../dist/collector/server.js'));
const fmt = (n, d = 0) => n.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(`\n${SECONDS} s per phase, ${CONNECTIONS} connections, 20 events per request (${fmt(baseline.max.bodyBytes)} B), loopback, ${(await import('node:os')).cpus().length} cores\n`);
console.log('| server | requests/s | events/s | p50 ms | p99 ms | p50 / p99 ms at half max rate | peak RSS MB | statuses |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const r of [baseline, collector]) {
  console.log(`| ${r.name} | ${fmt(r.max.requestsPerSecond)} | ${fmt(r.max.eventsPerSecond)} | ${fmt(r.max.p50, 2)} | ${fmt(r.max.p99, 2)} | ${fmt(r.half.p50, 2)} / ${fmt(r.half.p99, 2)} | ${fmt(r.peakRssMB)} | ${JSON.stringify(r.max.statuses)} |`);
}
console.log(`\ncollector / baseline throughput: ${fmt(collector.max.requestsPerSecond / baseline.max.requestsPerSecond, 2)}`);
