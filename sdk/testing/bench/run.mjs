// `npm run bench:qa`: what the test collector costs a suite, against the embedded collector it
// wraps (memory sinks, no fsync) as the baseline in the same run, from the built package. A
// fixture of scope 'test' pays the start-up once per test; every tracked batch pays the round trip
// (for the test collector, until its events are visible). Measured in alternating rounds, so a
// noisy machine slows both alike; medians are reported.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCollector, createMemorySink } from 'touchpoint/collector';
import { startTestCollector } from 'touchpoint/testing';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const STARTS = 10; // per round and kind
const REQUESTS = 200; // per round and kind

async function startEmbedded() {
  const dataDir = mkdtempSync(join(tmpdir(), 'qa-bench-'));
  const collector = await createCollector({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    logLevel: 'silent',
    sinks: { events: createMemorySink(), failed: createMemorySink() },
    log: { fsync: false },
  });
  const { url } = await collector.start();
  return { url, close: async () => (await collector.stop(), rmSync(dataDir, { recursive: true, force: true })) };
}
const startTest = async () => {
  const c = await startTestCollector({ logLevel: 'silent' });
  return { url: c.url, close: () => c.close(), collector: c };
};

let n = 0;
const body = () =>
  JSON.stringify({
    batch: Array.from({ length: 10 }, () => ({
      type: 'track',
      event: 'Product Added',
      messageId: `bench-${n++}`,
      anonymousId: 'a1',
      properties: { product_id: 'sku-tea', price: 68, quantity: 1 },
      context: { page: { url: 'https://shop.example/' }, userAgent: 'Mozilla/5.0 Chrome/126.0' },
    })),
  });
async function post(url) {
  const response = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-write-key': 'demo' }, body: body() });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`status ${response.status}`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const time = async (fn) => {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};

const starts = { embedded: [], test: [] };
const trips = { embedded: [], test: [] };
const [embedded, test] = [await startEmbedded(), await startTest()];
for (let i = 0; i < 50; i++) await Promise.all([post(embedded.url), post(test.url)]); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, start] of [
    ['embedded', startEmbedded],
    ['test', startTest],
  ]) {
    for (let i = 0; i < STARTS; i++) starts[name].push(await time(async () => (await start()).close()));
  }
  for (const [name, server] of [
    ['embedded', embedded],
    ['test', test],
  ]) {
    for (let i = 0; i < REQUESTS; i++) trips[name].push(await time(() => post(server.url)));
  }
  test.collector.reset(); // keep the recorded list from growing for the whole run
}
await embedded.close();
await test.close();

const row = (what, base, qa) => `${what.padEnd(46)} ${base.toFixed(2).padStart(9)} ms ${qa.toFixed(2).padStart(9)} ms ${(qa / base).toFixed(2).padStart(6)}×`;
console.log(`${ROUNDS} rounds; medians`);
console.log(`${''.padEnd(46)} ${'embedded'.padStart(12)} ${'test coll.'.padStart(12)} ${'ratio'.padStart(7)}`);
console.log(row(`start, listen and close (${ROUNDS * STARTS} each)`, median(starts.embedded), median(starts.test)));
console.log(row(`batch of 10 events, answered (${ROUNDS * REQUESTS} each)`, median(trips.embedded), median(trips.test)));
