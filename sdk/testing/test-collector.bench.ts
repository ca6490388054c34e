import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { createCollector, type Collector } from '../../collector/app';
import { createMemorySink } from '../../collector/sinks/memory';
import { startTestCollector, type TestCollector } from './test-collector';

// `npm run bench:qa`: what the test collector costs a suite, against the embedded collector it
// wraps (memory sinks, no fsync) as the baseline in the same run. A fixture of scope 'test'
// pays the start-up per test; every tracked request pays the round trip.

async function startEmbedded(): Promise<{ collector: Collector; url: string; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'qa-bench-'));
  const collector = await createCollector({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    logLevel: 'silent',
    sinks: { events: createMemorySink(), failed: createMemorySink() },
    spool: { fsync: false },
  });
  const { url } = await collector.start();
  return { collector, url, dataDir };
}

describe('start and stop', () => {
  bench('embedded collector (baseline)', async () => {
    const { collector, dataDir } = await startEmbedded();
    await collector.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  bench('startTestCollector + close', async () => {
    const c = await startTestCollector({ logLevel: 'silent' });
    await c.close();
  });
});

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
const post = (url: string) =>
  fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-write-key': 'demo' }, body: body() }).then((r) => r.arrayBuffer());

describe('a batch of 10 events, sent and answered', async () => {
  const embedded = await startEmbedded();
  const test: TestCollector = await startTestCollector({ logLevel: 'silent' });
  afterAll(async () => {
    await embedded.collector.stop();
    await rm(embedded.dataDir, { recursive: true, force: true });
    await test.close();
  });
  bench('embedded collector (baseline)', () => post(embedded.url).then(() => {}));
  bench('test collector (events visible on the answer)', async () => {
    await post(test.url);
    if (n % 1000 === 0) test.reset(); // keep the recorded list from growing for the whole run
  });
});
