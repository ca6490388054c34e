// `npm run bench:collector`: the bare-Node baseline and the real collector (default config:
// validation, enrichment, de-dup, durable spool, NDJSON sink), each driven by the same load from a
// second process on loopback. The two servers run side by side and are loaded in turn, several
// rounds, so that a noisy machine slows both alike; medians are reported. Bounded in time.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
// Long enough for both servers to reach their steady state (JIT, heap size) before measuring.
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const PORT = Number(process.env.BENCH_PORT ?? 18_790);

/** CPU time of a process, all threads, in ms (utime + stime, in clock ticks of 10 ms). */
function cpuMsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssOf(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
  } catch {
    return 0;
  }
}

async function start(name, script, port) {
  const dir = mkdtempSync(join(tmpdir(), 'tp-bench-'));
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', TOUCHPOINT_DATA_DIR: dir, LOG_LEVEL: 'error' },
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/healthz`).then(
        () => true,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const server = { name, port, child, dir, peak: 0, max: [], half: undefined };
  server.sampler = setInterval(() => (server.peak = Math.max(server.peak, rssOf(child.pid))), 100);
  return server;
}

async function stop(server) {
  clearInterval(server.sampler);
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  rmSync(server.dir, { recursive: true, force: true });
}

/**
 * Writes the page cache back before each measurement: the baseline writes gigabytes without a sync,
 * and the kernel flushing them during the next measurement would stall whoever runs then.
 */
function settleDisk() {
  execFileSync('sync');
}

async function measure(server, args) {
  settleDisk();
  const before = cpuMsOf(server.child.pid);
  const result = await load(server, args);
  result.cpuMsPerRequest = (cpuMsOf(server.child.pid) - before) / (result.statuses[200] ?? 1);
  return result;
}

function load(server, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'load.mjs'), `http://127.0.0.1:${server.port}`, ...args.map(String)]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator exited ${code}`))));
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const medianRun = (runs) => runs.find((r) => r.requestsPerSecond === median(runs.map((x) => x.requestsPerSecond)));

const baseline = await start('bare node:http baseline', join(here, 'baseline.mjs'), PORT);
const collector = await start('touchpoint collector', join(here, '../../dist/collector/server.js'), PORT + 1);
const servers = [baseline, collector];
for (const server of servers) await load(server, [WARMUP_SECONDS, CONNECTIONS]);
const ratios = [];
const cpuRatios = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const server of servers) server.max.push(await measure(server, [SECONDS, CONNECTIONS]));
  ratios.push(collector.max.at(-1).requestsPerSecond / baseline.max.at(-1).requestsPerSecond);
  cpuRatios.push(baseline.max.at(-1).cpuMsPerRequest / collector.max.at(-1).cpuMsPerRequest);
}
for (const server of servers) {
  server.best = medianRun(server.max);
  settleDisk();
  server.half = await load(server, [SECONDS, CONNECTIONS, Math.round(server.best.requestsPerSecond / 2)]);
}
await Promise.all(servers.map(stop));

const fmt = (n, d = 0) => n.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(
  `\n${WARMUP_SECONDS} s warm-up, then ${ROUNDS} rounds of ${SECONDS} s per server, taken in turn; ${CONNECTIONS} connections, 20 events per request (${fmt(baseline.best.bodyBytes)} B), loopback, ${cpus().length} cores`,
);
console.log("Medians of the rounds; latency at half of each server's median max rate (open loop).\n");
console.log('| server | requests/s | events/s | p50 ms | p99 ms | p50 / p99 ms at half max rate | peak RSS MB | CPU ms per request | requests/s per round |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const s of servers) {
  const b = s.best;
  const cpu = median(s.max.map((r) => r.cpuMsPerRequest));
  console.log(
    `| ${s.name} | ${fmt(b.requestsPerSecond)} | ${fmt(b.eventsPerSecond)} | ${fmt(b.p50, 2)} | ${fmt(b.p99, 2)} | ${fmt(s.half.p50, 2)} / ${fmt(s.half.p99, 2)} | ${fmt(s.peak / 1e6)} | ${fmt(cpu, 3)} | ${s.max.map((r) => fmt(r.requestsPerSecond)).join(', ')} |`,
  );
}
const statuses = collector.max.flatMap((r) => Object.keys(r.statuses)).filter((code) => code !== '200');
console.log(`\ncollector / baseline throughput, per round: ${ratios.map((r) => fmt(r, 2)).join(', ')}; median ${fmt(median(ratios), 2)}`);
// CPU per request (the server process, all threads) moves less with the machine's noise than requests/s.
console.log(`baseline / collector CPU per request, per round: ${cpuRatios.map((r) => fmt(r, 2)).join(', ')}; median ${fmt(median(cpuRatios), 2)}`);
if (statuses.length) console.log(`non-200 answers from the collector: ${[...new Set(statuses)].join(', ')}`);
const duplicates = collector.max.reduce((sum, r) => sum + r.duplicates, 0);
if (duplicates) console.log(`events the collector took for duplicates (and did not store): ${fmt(duplicates)}; the figures above are not valid`);
