import { gzipSync } from 'node:zlib';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector, type Collector } from '../app';
import { createMemorySink, type MemorySink } from '../sinks/memory';

// What real clients send, as they send it (see the README's compatibility section). The clients
// themselves run in `segment-compat.test.ts` and `examples/e2e/third-party-clients.spec.ts`.
let dir: string;
let collector: Collector;
let events: MemorySink;
let failed: MemorySink;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tp-compat-'));
  events = createMemorySink();
  failed = createMemorySink();
  collector = await createCollector({
    dataDir: dir,
    logger: pino({ level: 'silent' }),
    sdkBundlePath: join(dir, 'none.js'),
    demoPagePath: join(dir, 'none.html'),
    writeKeys: [
      { key: 'web_key', name: 'web', kind: 'browser', allowedOrigins: ['https://shop.example'] },
      { key: 'srv_key', name: 'backend', kind: 'server' },
    ],
    log: { ack: 'sinks' },
    sinks: { events, failed, bots: createMemorySink() },
  });
});
afterAll(async () => {
  await collector.stop();
  await rm(dir, { recursive: true, force: true });
});

const post = (path: string, body: BodyInit, headers: Record<string, string> = { 'content-type': 'text/plain' }) =>
  collector.app.request(path, { method: 'POST', headers, body });
const landed = (id: string) => events.events.find((e) => (e as { messageId?: string }).messageId === id) as Record<string, any> | undefined;
const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

describe("Segment's analytics-next", () => {
  it.each([
    ['t', 'track', { event: 'Order Completed', properties: { revenue: 9 } }],
    ['p', 'page', { name: 'Home', properties: { path: '/' } }],
    ['s', 'screen', { name: 'Cart' }],
    ['i', 'identify', { traits: { plan: 'pro' } }],
    ['g', 'group', { groupId: 'g1', traits: { name: 'Acme' } }],
    ['a', 'alias', { userId: 'u1', previousId: 'anon-1' }],
  ])('posts /v1/%s as text/plain with the key in the body and userId: null: it lands as %s', async (route, type, fields) => {
    const messageId = `ajs-next-${route}`;
    const body = {
      type,
      messageId,
      anonymousId: 'anon-1',
      userId: null,
      writeKey: 'web_key',
      timestamp: new Date().toISOString(),
      sentAt: new Date().toISOString(),
      context: { library: { name: 'analytics.js', version: 'npm:next-1.84.0' } },
      _metadata: { bundled: [] },
      ...fields,
    };
    const res = await post(`/v1/${route}`, JSON.stringify(body), { 'content-type': 'text/plain', origin: 'https://shop.example' });
    expect(await res.json()).toEqual({ success: true, accepted: 1, duplicates: 0, rejected: [] });
    const stored = landed(messageId)!;
    expect(stored).toMatchObject({ type, anonymousId: 'anon-1', source: 'web', ...fields });
    expect(stored).not.toHaveProperty('userId', null);
    expect(stored).not.toHaveProperty('writeKey');
    expect(stored).not.toHaveProperty('_metadata');
  });

  it('posts batches to /v1/b', async () => {
    const res = await post(
      '/v1/b',
      JSON.stringify({
        writeKey: 'web_key',
        batch: [{ type: 'track', event: 'x', messageId: 'b-1', anonymousId: 'a', userId: null }],
        sentAt: new Date().toISOString(),
      }),
    );
    expect((await res.json()).accepted).toBe(1);
  });

  it("lets a retry's X-Retry-Count through the preflight, and exposes Retry-After", async () => {
    const preflight = await collector.app.request('/v1/t', {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-retry-count' },
    });
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type,x-retry-count');
    const res = await post('/v1/t', JSON.stringify({ writeKey: 'web_key', type: 'track', event: 'x', anonymousId: 'a' }), {
      'content-type': 'application/json',
      origin: 'https://shop.example',
      'x-retry-count': '1',
    });
    expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After');
  });
});

describe("RudderStack's SDKs", () => {
  it('keeps originalTimestamp as the client time, the channel, and the extra context.page and context.screen fields; userId "" is not set', async () => {
    const sentAt = new Date(Date.now() + 60_000).toISOString(); // the client's clock runs a minute fast
    const originalTimestamp = new Date(Date.now() + 59_000).toISOString();
    const body = {
      batch: [
        {
          type: 'track',
          event: 'Product Added',
          messageId: 'rs-1',
          anonymousId: 'rs-anon',
          userId: '',
          channel: 'web',
          originalTimestamp,
          sentAt,
          properties: { sku: 'p1' },
          rudderId: 'ignored',
          context: {
            page: { path: '/p1', tab_url: 'https://shop.example/p1', initial_referrer: '$direct' },
            screen: { width: 1920, innerWidth: 1200, density: 2 },
            library: { name: 'RudderLabs JavaScript SDK', version: '3.11.0' },
          },
        },
      ],
      sentAt,
    };
    const res = await post('/v1/batch', JSON.stringify(body), {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from('web_key:').toString('base64')}`,
      anonymousid: 'rs-anon',
      sentat: sentAt,
    });
    expect((await res.json()).accepted).toBe(1);
    const stored = landed('rs-1')!;
    expect(stored.originalTimestamp).toBe(originalTimestamp);
    // Corrected for the skew: about a second before it was received.
    expect(Date.parse(stored.receivedAt) - Date.parse(stored.timestamp)).toBeGreaterThan(500);
    expect(Date.parse(stored.receivedAt) - Date.parse(stored.timestamp)).toBeLessThan(2_000);
    expect(stored.channel).toBe('web');
    expect(stored).not.toHaveProperty('userId');
    expect(stored.context.page).toEqual({ path: '/p1', tab_url: 'https://shop.example/p1', initial_referrer: '$direct' });
    expect(stored.context.screen).toEqual({ width: 1920, innerWidth: 1200, density: 2 });
  });

  it('beacons to /beacon/v1/batch?writeKey=', async () => {
    const res = await post(
      '/beacon/v1/batch?writeKey=web_key',
      JSON.stringify({ batch: [{ type: 'page', messageId: 'rs-beacon', anonymousId: 'rs-anon', userId: '' }], sentAt: new Date().toISOString() }),
    );
    expect(res.status).toBe(200);
    expect(landed('rs-beacon')).toMatchObject({ type: 'page', source: 'web' });
  });

  it("takes rudder-sdk-node's gzip bodies labelled application/x-www-form-urlencoded", async () => {
    const body = gzipSync(
      JSON.stringify({
        batch: [{ type: 'identify', messageId: 'rs-node', userId: 'u-9', traits: { plan: 'team' }, channel: 'server' }],
        sentAt: new Date().toISOString(),
      }),
    );
    const res = await collector.app.request('/v1/batch', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-encoding': 'gzip',
        authorization: `Basic ${Buffer.from('srv_key:').toString('base64')}`,
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(landed('rs-node')).toMatchObject({ type: 'identify', userId: 'u-9', traits: { plan: 'team' }, channel: 'server', source: 'backend' });
  });
});

describe('server-side clients', () => {
  it('are not taken for bots by their user agent, and their address is not the user’s', async () => {
    const server = { authorization: `Basic ${Buffer.from('srv_key:').toString('base64')}`, 'content-type': 'application/json' };
    for (const [i, ua] of ['curl/8.5.0', 'python-requests/2.32.3', 'Go-http-client/2.0', 'okhttp/4.12.0', 'analytics-node-next/latest'].entries()) {
      await post('/v1/track', JSON.stringify({ event: 'Invoice Paid', messageId: `srv-${i}`, userId: 'u1' }), { ...server, 'user-agent': ua });
      const stored = landed(`srv-${i}`)!;
      expect(stored.context.bot, ua).toBeUndefined();
      expect(stored.context.ip, ua).toBeUndefined();
    }
    // The user's own agent and address, forwarded by the backend, are used.
    await post('/v1/track', JSON.stringify({ event: 'Invoice Paid', messageId: 'srv-fwd', userId: 'u1', context: { userAgent: chrome, ip: '203.0.113.9' } }), {
      ...server,
      'user-agent': 'curl/8.5.0',
    });
    expect(landed('srv-fwd')!.context).toMatchObject({ browser: { name: 'Chrome' }, ip: '203.0.113.0' });
    // A browser key sending with curl's agent is flagged.
    await post('/v1/track', JSON.stringify({ writeKey: 'web_key', event: 'x', messageId: 'web-curl', anonymousId: 'a' }), {
      'content-type': 'text/plain',
      'user-agent': 'curl/8.5.0',
    });
    expect(landed('web-curl')!.context.bot).toBe(true);
  });
});
