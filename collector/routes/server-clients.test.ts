import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptsById, deliveryProblems } from '../../examples/e2e/delivery-check';
import { startRecordingProxy, type RecordedRequest, type RecordingProxy } from '../../examples/e2e/recording-proxy';
import { createCollector, type Collector } from '../app';

// The server libraries people run, installed from npm, unchanged but for the collector's address,
// against the running collector with a server key each. A recording proxy on loopback in front of
// the collector shows what each library sent and answers 503 when a test asks. Every call must be
// accepted, land exactly once at the NDJSON sink, and land intact (see delivery-check.ts).

const require = createRequire(import.meta.url);
/** The legacy Segment library (analytics-node 6) ships no types. */
const LegacyAnalytics: new (writeKey: string, options: { host: string }) => FlushingClient = require('analytics-node');

type Message = Record<string, unknown>;
interface SegmentStyleClient {
  identify(message: Message): unknown;
  track(message: Message): unknown;
  page(message: Message): unknown;
  screen(message: Message): unknown;
  group(message: Message): unknown;
  alias(message: Message): unknown;
}

interface Library {
  /** As published on npm, with the version installed. */
  name: string;
  key: string;
  /** The key's name, which the collector records as each event's `source`. */
  source: string;
  /** A client with its defaults but for the collector's address, and how its users send what is queued. */
  open(url: string): { client: SegmentStyleClient; flush: () => Promise<unknown>; errors: unknown[] };
  /** Headers of every request it sends: what the collector must take as they come. */
  wire: Record<string, string>;
  /** The header a library adds when it sends a batch again, with the values of the first two retries. */
  retryHeader?: { name: string; values: [string, string] };
}

type FlushingClient = SegmentStyleClient & { flush(): Promise<unknown> };

/** rudder-sdk-node and analytics-node 6 report a failed send by rejecting `flush()`. */
function reportingByFlush(client: FlushingClient) {
  const errors: unknown[] = [];
  return { client, flush: () => client.flush().catch((error: unknown) => void errors.push(error)), errors };
}

const libraries: Library[] = [
  {
    name: '@segment/analytics-node 3.1.0',
    key: 'wk_segment_node',
    source: 'backend-segment',
    open(url) {
      const client = new SegmentAnalytics({ writeKey: this.key, host: url });
      const errors: unknown[] = [];
      client.on('error', (error) => errors.push(error));
      return { client: client as unknown as SegmentStyleClient, flush: () => client.closeAndFlush({ timeout: 20_000 }), errors };
    },
    wire: { 'content-type': 'application/json', 'user-agent': 'analytics-node-next/latest' },
    retryHeader: { name: 'x-retry-count', values: ['1', '2'] },
  },
  {
    name: '@rudderstack/rudder-sdk-node 3.0.13',
    key: 'wk_rudder_node',
    source: 'backend-rudder',
    open(url) {
      return reportingByFlush(new RudderAnalytics(this.key, { dataPlaneUrl: url }) as unknown as FlushingClient);
    },
    // gzip by default, in a body labelled as a form.
    wire: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip', 'user-agent': 'analytics-node/3.0.13' },
  },
  {
    name: 'analytics-node 6.2.0',
    key: 'wk_legacy_node',
    source: 'backend-legacy',
    open(url) {
      return reportingByFlush(new LegacyAnalytics(this.key, { host: url }));
    },
    wire: { 'content-type': 'application/json', 'user-agent': 'analytics-node/6.2.0' },
  },
];

let collector: Collector;
let proxy: RecordingProxy;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tp-server-clients-'));
  collector = await createCollector({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    writeKeys: libraries.map(({ key, source }) => ({ key, name: source, kind: 'server' as const })),
    logger: pino({ level: 'silent' }),
  });
  proxy = await startRecordingProxy((await collector.start()).url);
});
afterAll(async () => {
  await proxy?.close();
  await collector?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** Whether a request came from this library: each sends its own key as the Basic user name. */
const from = (library: Library) => (r: RecordedRequest) => r.headers.authorization === `Basic ${Buffer.from(`${library.key}:`).toString('base64')}`;
const sentBy = (library: Library): RecordedRequest[] => proxy.requests.filter(from(library));

const DELIVERY_TIMEOUT = 15_000;
const TEST_TIMEOUT = 60_000;

async function expectDelivered(library: Library, calls: number) {
  await expect
    .poll(() => deliveryProblems(sentBy(library), { calls, source: library.source, server: true, dataDir }), { timeout: DELIVERY_TIMEOUT })
    .toEqual([]);
}

describe.each(libraries)('$name', (library) => {
  it(
    'delivers page, track, alias, identify, group, screen and an order, anonymous then identified: each lands once, intact',
    async () => {
      const { client, flush, errors } = library.open(proxy.url);
      const run = `${library.source}-${Date.now()}`;
      const anonymousId = `anon-${run}`;
      const userId = `user-${run}`;
      client.page({ anonymousId, name: 'Pricing', category: 'Docs', properties: { path: '/pricing', plan: 'pro' } });
      client.track({ anonymousId, event: 'Product Viewed', properties: { product_id: 'p-1', price: 49.5, currency: 'CNY' } });
      client.alias({ previousId: anonymousId, userId });
      client.identify({ userId, traits: { email: 'li.lei@example.com', plan: 'pro', address: { city: 'Hangzhou' } } });
      client.group({ userId, groupId: 'g-7', traits: { name: 'Acme', employees: 12 } });
      client.screen({ userId, name: 'Checkout', properties: { step: 3 } });
      // A backfilled order: the time given is when it happened.
      client.track({
        userId,
        event: 'Order Completed',
        properties: { order_id: `o-${run}`, revenue: 99, currency: 'CNY', products: [{ product_id: 'p-1', quantity: 2, price: 49.5 }] },
        timestamp: new Date('2026-11-24T08:00:00.000Z'),
      });
      await flush();
      await expectDelivered(library, 7);
      expect(errors).toEqual([]);
      for (const post of sentBy(library).filter((r) => r.method === 'POST')) expect(post.headers).toMatchObject(library.wire);
    },
    TEST_TIMEOUT,
  );

  it(
    'after two 503s it sends the batch again, and every event lands once',
    async () => {
      const before = attemptsById(sentBy(library)).size;
      const sentAtStart = sentBy(library).length;
      proxy.failNext({ count: 2, when: (r) => r.method === 'POST' && from(library)(r) });
      const { client, flush, errors } = library.open(proxy.url);
      client.track({ userId: `retry-${library.source}`, event: 'Order Completed', properties: { order_id: 'o-503', revenue: 12, currency: 'CNY' } });
      await flush();
      await expectDelivered(library, before + 1);
      expect(errors).toEqual([]);

      const attempts = sentBy(library)
        .slice(sentAtStart)
        .filter((r) => r.method === 'POST');
      expect(attempts.map((r) => r.status)).toEqual([503, 503, 200]);
      if (library.retryHeader) {
        expect(attempts.map((r) => r.headers[library.retryHeader!.name])).toEqual([undefined, ...library.retryHeader.values]);
      }
    },
    TEST_TIMEOUT,
  );
});
