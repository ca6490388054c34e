import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { openStreamLog, type StreamLog } from './stream-log';

// `npm run bench:log`: what durability costs. Each iteration appends the events of 400 realistic
// requests (20 events, ~14 KB of NDJSON each), 50 requests in flight at a time, as under load.
const dirs: string[] = [];
const open = async (fsync: boolean) => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-bench-'));
  dirs.push(dir);
  return openStreamLog({ dir, fsync, rotateBytes: 64 * 1024 * 1024, rotateSeconds: 3600 });
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const event = (i: number) => ({
  type: 'track',
  event: 'Product Viewed',
  messageId: `0f8fad5b-d9cb-469f-a165-70867728${String(i).padStart(4, '0')}`,
  anonymousId: 'a3bb189e-8bf9-3888-9912-ace4e6543002',
  properties: { product_id: 'sku-tea', name: 'Longjing Green Tea', price: 68, currency: 'CNY', category: 'Tea' },
  context: {
    page: {
      url: 'https://shop.example/products/sku-tea?utm_source=baidu&utm_medium=cpc',
      path: '/products/sku-tea',
      referrer: 'https://www.baidu.com/s?wd=tea',
      title: 'Longjing Green Tea',
    },
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50',
    locale: 'zh-CN',
    library: { name: 'touchpoint', version: '0.1.0' },
  },
  timestamp: '2026-11-24T10:00:00.000Z',
  receivedAt: '2026-11-24T10:00:00.100Z',
});
const record = Buffer.from(Array.from({ length: 20 }, (_, i) => `${JSON.stringify(event(i))}\n`).join(''));
const REQUESTS = 400;
const IN_FLIGHT = 50;

async function concurrently(log: StreamLog) {
  for (let done = 0; done < REQUESTS; done += IN_FLIGHT) {
    await Promise.all(Array.from({ length: IN_FLIGHT }, () => log.append(record)));
  }
}

let grouped: StreamLog;
let plain: StreamLog;
let perRequest: StreamLog;

describe(`log: ${REQUESTS} requests of 20 events (${record.length} B), ${IN_FLIGHT} in flight`, async () => {
  grouped = await open(true);
  plain = await open(false);
  perRequest = await open(true);

  bench('O_DSYNC with group commit (the default)', () => concurrently(grouped), { iterations: 5, warmupIterations: 1 });

  bench(
    'O_DSYNC per request, no group commit',
    async () => {
      // The same requests, each waiting for its own synchronous write.
      for (let i = 0; i < REQUESTS; i++) await perRequest.append(record);
    },
    { iterations: 3, warmupIterations: 1 },
  );

  bench('no sync (not durable: for comparison only)', () => concurrently(plain), { iterations: 5, warmupIterations: 1 });
});
