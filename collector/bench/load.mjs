// The load generator, in its own process: `node load.mjs <url> <seconds> <connections> [rate]`.
// Without a rate it sends as fast as the server answers (closed loop, `connections` in flight);
// with one it sends `rate` requests per second whatever the answers (open loop), for latency.
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { makeBatch } from './payload.mjs';

const [url, seconds, connections, rate] = process.argv.slice(2);
const pool = new Pool(url, { connections: Number(connections), pipelining: 1 });
const bodies = Array.from({ length: 64 }, (_, i) => makeBatch(i));
const latencies = [];
const statuses = {};
// Every run sends ids no earlier run sent: a collector that has seen them would answer
// "duplicate" and skip the spool and the sink, which is less work than the benchmark means.
const run = randomUUID().slice(0, 8);
let sent = 0;
let duplicates = 0;
const started = performance.now();
const deadline = started + Number(seconds) * 1000;

async function one() {
  const body = bodies[sent % bodies.length].replace(/"messageId":"(\d+)-/g, `"messageId":"${run}-${sent}-$1-`);
  sent++;
  const t0 = performance.now();
  try {
    const res = await pool.request({ method: 'POST', path: '/v1/batch', headers: { 'content-type': 'application/json', 'x-write-key': 'demo' }, body });
    const answer = await res.body.text();
    duplicates += Number(/"duplicates":(\d+)/.exec(answer)?.[1] ?? 0);
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
  } catch {
    statuses.error = (statuses.error ?? 0) + 1;
  }
  latencies.push(performance.now() - t0);
}

if (rate) {
  const interval = 1000 / Number(rate);
  const inflight = new Set();
  for (let next = started; next < deadline; next += interval) {
    const wait = next - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const p = one().finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
} else {
  await Promise.all(
    Array.from({ length: Number(connections) }, async () => {
      while (performance.now() < deadline) await one();
    }),
  );
}
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
const ok = statuses[200] ?? 0;
console.log(
  JSON.stringify({
    requestsPerSecond: ok / elapsed,
    eventsPerSecond: (ok * 20) / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    statuses,
    duplicates,
    bodyBytes: Buffer.byteLength(bodies[0]),
  }),
);
await pool.close();
