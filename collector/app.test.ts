import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector, type Collector, type CollectorOptions } from './app';
import { createMemorySink } from './sinks/memory';
import type { Sink } from './records/sink';

const logger = pino({ level: 'silent' });
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tp-app-'));
  await writeFile(join(dir, 'sdk.js'), 'window.touchpoint=1');
  await writeFile(join(dir, 'demo.html'), '<h1>shop</h1>');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const collectors: Collector[] = [];
afterAll(() => Promise.all(collectors.map((c) => c.stop())));

/** A collector that acknowledges once the sinks have the events, so tests can look at them at once. */
async function setup(options: CollectorOptions = {}, sinks: Partial<Record<'events' | 'failed' | 'bots', Sink>> = {}) {
  const events = createMemorySink();
  const failed = createMemorySink();
  const bots = createMemorySink();
  const collector = await createCollector({
    port: 0,
    host: '127.0.0.1',
    logger,
    dataDir: await mkdtemp(join(dir, 'data-')),
    sdkBundlePath: join(dir, 'sdk.js'),
    demoPagePath: join(dir, 'demo.html'),
    ...options,
    log: { ack: 'sinks', ackTimeoutMs: 500, ...options.log },
    sinks: { events, failed, bots, ...sinks },
  });
  collectors.push(collector);
  return { app: collector.app, admin: collector.adminApp, collector, events, failed, bots };
}

const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });
const auth = basic('demo');
const json = { 'content-type': 'application/json' };
const track = (messageId: string, extra: object = {}) => ({ type: 'track', event: 'Order Completed', messageId, anonymousId: 'a1', ...extra });
const post = (app: Awaited<ReturnType<typeof setup>>['app'], path: string, body: unknown, headers: Record<string, string> = auth) =>
  app.request(path, { method: 'POST', headers, body: JSON.stringify(body) });

describe('POST /v1/batch', () => {
  it('accepts a batch, writes the enriched events and answers with the counts', async () => {
    const { app, events, failed } = await setup();
    const res = await post(app, '/v1/batch', { batch: [track('m1'), track('m2')], sentAt: new Date().toISOString() }, { ...auth, ...json });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, accepted: 2, duplicates: 0, rejected: [] });
    expect(events.events).toMatchObject([{ messageId: 'm1', receivedAt: expect.any(String) }, { messageId: 'm2' }]);
    expect(failed.events).toEqual([]);
  });

  it('takes a beacon: text/plain with the write key in the body', async () => {
    const { app, events } = await setup();
    const res = await app.request('/v1/batch', {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ writeKey: 'demo', batch: [track('beacon')] }),
    });
    expect(res.status).toBe(200);
    expect(events.events).toHaveLength(1);
  });

  it('sends invalid events to the failed sink with the reason, category, key name and original event', async () => {
    const { app, events, failed } = await setup();
    const bad = { type: 'track', messageId: 'bad', anonymousId: 'a1', properties: 'nope' };
    const body = await (await post(app, '/v1/batch', { batch: [track('ok'), bad] })).json();
    expect(body.accepted).toBe(1);
    expect(body.rejected).toEqual([{ messageId: 'bad', reason: expect.stringContaining('properties') }]);
    expect(events.events).toHaveLength(1);
    expect(failed.events).toEqual([
      {
        reason: body.rejected[0].reason,
        category: 'schema',
        issues: [
          { path: ['event'], message: 'Invalid input: expected string, received undefined' },
          { path: ['properties'], message: 'Invalid input: expected record, received string' },
        ],
        receivedAt: expect.any(String),
        writeKeyName: 'demo',
        event: bad,
      },
    ]);
  });

  it('keeps only the start of an oversize event in the failed stream', async () => {
    const { app, failed } = await setup();
    const big = track('big', { properties: { blob: 'x'.repeat(40_000) } });
    const body = await (await post(app, '/v1/batch', { batch: [big] })).json();
    expect(body.rejected[0].reason).toMatch(/limit is 32768/);
    const record = failed.events[0] as Record<string, any>;
    expect(record.category).toBe('oversize');
    expect(record.eventTruncated).toHaveLength(4096);
    expect(record).not.toHaveProperty('event');
  });

  it('writes an event once however often it is sent, and says so', async () => {
    const { app, events } = await setup();
    await post(app, '/v1/batch', { batch: [track('d1'), track('d2')] });
    const again = await (await post(app, '/v1/batch', { batch: [track('d2'), track('d3'), track('d3')] })).json();
    expect(again).toMatchObject({ accepted: 1, duplicates: 2 });
    expect(events.events.map((e: any) => e.messageId)).toEqual(['d1', 'd2', 'd3']);
  });

  it('answers 400 to a body that is not a batch, and 413 to too many events', async () => {
    const { app } = await setup();
    const notBatch = await post(app, '/v1/batch', { batch: 'x' });
    expect(notBatch.status).toBe(400);
    expect((await notBatch.json()).error).toContain('batch');
    expect((await post(app, '/v1/batch', { batch: Array(2501).fill(1) })).status).toBe(413);
  });

  it('answers 401 to an unknown key, and accepts configured keys instead of demo', async () => {
    const { app } = await setup({ writeKeys: [{ key: 'prod' }] });
    expect((await post(app, '/v1/batch', { batch: [track('m')] })).status).toBe(401);
    expect((await post(app, '/v1/batch?writeKey=prod', { batch: [track('m')] }, {})).status).toBe(200);
  });

  it('keeps events in the log while a sink is down, answering 503 in ack-after-sinks mode, and delivers them once', async () => {
    let down = true;
    const written: object[] = [];
    const flaky: Sink = {
      write: async (batch) => {
        if (down) throw new Error('database down');
        written.push(...(batch.stream === 'failed' ? batch.records() : batch.events()));
      },
      close: async () => {},
    };
    const { app } = await setup({}, { events: flaky });
    const res = await post(app, '/v1/batch', { batch: [track('r1')] });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ success: false });
    down = false;
    await expect.poll(() => written.length, { timeout: 5000 }).toBe(1);
    // The client's retry is recognised: the event was written to the log the first time.
    expect(await (await post(app, '/v1/batch', { batch: [track('r1')] })).json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(written).toHaveLength(1);
  });

  it('answers 503 with Retry-After when a sink is too far behind (the high-water mark)', async () => {
    const stuck: Sink = { write: () => new Promise(() => {}), close: async () => {} };
    const { app, admin } = await setup({ log: { ack: 'log', maxLagBytes: 2000, sinkTimeoutMs: 300 } }, { events: stuck });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++)
      statuses.push((await post(app, '/v1/batch', { batch: [track(`full-${i}`, { properties: { pad: 'x'.repeat(400) } })] })).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.at(-1)).toBe(503);
    expect((await app.request('/readyz')).status).toBe(503);
    expect((await (await admin.request('/readyz')).json()).checks.log).toBe('sinks too far behind');
  });
});

describe('single-event routes', () => {
  it.each([
    ['track', { event: 'Signed Up', userId: 'u1' }],
    ['page', { name: 'Home', anonymousId: 'a1' }],
    ['screen', { name: 'Cart', anonymousId: 'a1' }],
    ['identify', { userId: 'u1', traits: { plan: 'pro' } }],
    ['group', { groupId: 'g1', userId: 'u1' }],
    ['alias', { userId: 'u1', previousId: 'a1' }],
  ])('POST /v1/%s takes the type from the route', async (type, event) => {
    const { app, events } = await setup();
    const res = await post(app, `/v1/${type}`, { ...event, writeKey: 'ignored-by-basic' });
    expect(await res.json()).toEqual({ success: true, accepted: 1, duplicates: 0, rejected: [] });
    expect(events.events[0]).toMatchObject({ ...event, type });
    expect(events.events[0]).not.toHaveProperty('writeKey');
  });
});

describe('keys, origins and limits', () => {
  const keys: CollectorOptions['writeKeys'] = [
    { key: 'web', name: 'shop-web', kind: 'browser', allowedOrigins: ['https://shop.example'], rateLimit: { eventsPerSecond: 1, burst: 3 } },
    { key: 'srv', name: 'backend', kind: 'server' },
  ];

  it('answers CORS only for allowed origins and refuses a browser key from another origin', async () => {
    const { app } = await setup({ writeKeys: keys });
    const preflight = (origin: string) => app.request('/v1/batch', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    expect((await preflight('https://shop.example')).headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    const from = (origin: string) => post(app, '/v1/batch', { batch: [track(`o-${origin}`)] }, { ...basic('web'), origin });
    expect((await from('https://shop.example')).status).toBe(200);
    const forged = await from('https://evil.example');
    expect(forged.status).toBe(403);
    expect((await forged.json()).error).toContain('https://evil.example');
    // Server keys are not tied to origins.
    expect((await post(app, '/v1/batch', { batch: [track('s1')] }, { ...basic('srv'), origin: 'https://evil.example' })).status).toBe(200);
  });

  it('rate-limits a key by events with 429 and Retry-After', async () => {
    const { app, events } = await setup({ writeKeys: keys });
    const send = (n: number, id: string) => post(app, '/v1/batch', { batch: Array.from({ length: n }, (_, i) => track(`${id}-${i}`)) }, basic('web'));
    expect((await send(3, 'a')).status).toBe(200);
    const limited = await send(1, 'b');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(events.events).toHaveLength(3);
    expect((await post(app, '/v1/batch', { batch: [track('other-key')] }, basic('srv'))).status).toBe(200);
  });

  it('rate-limits browser keys per client IP', async () => {
    const { app } = await setup({
      trustProxy: true,
      writeKeys: [{ key: 'web', ipRateLimit: { eventsPerSecond: 1, burst: 1 } }],
    });
    const from = (ip: string, id: string) =>
      post(app, '/v1/track', { event: 'x', anonymousId: 'a', messageId: id }, { ...basic('web'), 'x-forwarded-for': ip });
    expect((await from('198.51.100.1', 'i1')).status).toBe(200);
    expect((await from('198.51.100.1', 'i2')).status).toBe(429);
    expect((await from('198.51.100.2', 'i3')).status).toBe(200);
  });

  it('sheds load with 503 past the in-flight limit', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: Sink = { write: () => gate, close: async () => {} };
    const { app } = await setup({ limits: { maxInflightRequests: 2 }, log: { ackTimeoutMs: 5000 } }, { events: slow });
    const first = [post(app, '/v1/batch', { batch: [track('s1')] }), post(app, '/v1/batch', { batch: [track('s2')] })];
    await new Promise((r) => setTimeout(r, 20));
    const third = await post(app, '/v1/batch', { batch: [track('s3')] });
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('1');
    release();
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([200, 200]);
  });
});

describe('enrichment in the pipeline', () => {
  it('parses the user agent, anonymises the IP, groups the channel', async () => {
    const { app, events } = await setup({ trustProxy: true });
    await post(
      app,
      '/v1/page',
      { anonymousId: 'a', context: { page: { url: 'https://shop.example/?utm_source=baidu&utm_medium=cpc' } } },
      {
        ...auth,
        'x-forwarded-for': '203.0.113.195',
        'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      },
    );
    expect(events.events[0]).toMatchObject({
      context: {
        ip: '203.0.113.0',
        browser: { name: 'Chrome' },
        os: { name: 'Windows' },
        channel: { group: 'Paid Search', source: 'baidu', medium: 'cpc' },
      },
    });
  });

  it('routes bots to their own stream when configured', async () => {
    const { app, events, bots } = await setup({ bots: 'route' });
    await post(app, '/v1/page', {
      anonymousId: 'a',
      context: { userAgent: 'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)' },
    });
    await post(app, '/v1/page', { anonymousId: 'b' });
    expect(bots.events).toMatchObject([{ anonymousId: 'a', context: { bot: true } }]);
    expect(events.events).toMatchObject([{ anonymousId: 'b' }]);
  });

  it('sets a first-party HttpOnly device cookie and writes it to context.device.id', async () => {
    const { app, events } = await setup({ deviceCookie: { domain: 'shop.example' } });
    const first = await post(app, '/v1/page', { anonymousId: 'a' });
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^tp_did=[0-9a-f-]{36}; Max-Age=34560000; Domain=shop.example; Path=\/; HttpOnly; SameSite=Lax$/);
    const id = cookie.slice(7, 43);
    await post(app, '/v1/page', { anonymousId: 'b' }, { ...auth, cookie: `tp_did=${id}` });
    expect(events.events.map((e: any) => e.context.device.id)).toEqual([id, id]);
  });

  it('hashes configured PII paths', async () => {
    const { app, events } = await setup({ pii: { salt: 'sixteen-chars-salt', paths: [{ path: 'traits.phone', kind: 'phone' }] } });
    await post(app, '/v1/identify', { userId: 'u', traits: { phone: '138 0013 8000', name: 'Li' } });
    const traits = (events.events[0] as any).traits;
    expect(traits.phone).toMatch(/^[0-9a-f]{64}$/);
    expect(traits.name).toBe('Li');
  });
});

describe('tracking plan', () => {
  it('rejects events that break the plan, and picks up edits without a restart', async () => {
    const planPath = join(dir, 'plan.json');
    const plan = (required: boolean) => ({ events: { 'Order Completed': { properties: { order_id: { type: 'string', required } } } } });
    await writeFile(planPath, JSON.stringify(plan(true)));
    const { app, collector, failed } = await setup({ trackingPlan: planPath });
    try {
      const first = await (await post(app, '/v1/track', { event: 'Order Completed', anonymousId: 'a', messageId: 'p1' })).json();
      expect(first.rejected).toEqual([{ messageId: 'p1', reason: 'properties.order_id: required by the tracking plan' }]);
      expect(failed.events[0]).toMatchObject({
        category: 'tracking_plan',
        issues: [{ path: ['properties', 'order_id'], message: 'required by the tracking plan' }],
      });
      await writeFile(planPath, JSON.stringify(plan(false)));
      await expect
        .poll(async () => (await (await post(app, '/v1/track', { event: 'Order Completed', anonymousId: 'a' })).json()).accepted, {
          timeout: 5000,
          interval: 200,
        })
        .toBe(1);
    } finally {
      await collector.stop();
    }
  });
});

describe('pixel', () => {
  const gifOf = (res: Response) => expect(res.headers.get('content-type')).toBe('image/gif');
  it('always answers a 1x1 GIF that is not cached, and records the event', async () => {
    const { app, admin, events, failed } = await setup();
    const data = Buffer.from(JSON.stringify({ event: 'Email Opened', anonymousId: 'a', properties: { campaign: 'c1' } })).toString('base64url');
    const ok = await app.request(`/v1/pixel/track?writeKey=demo&data=${data}`);
    gifOf(ok);
    expect(ok.headers.get('cache-control')).toContain('no-store');
    expect((await ok.arrayBuffer()).byteLength).toBe(42);
    expect(events.events).toMatchObject([{ type: 'track', event: 'Email Opened' }]);
    for (const bad of ['/v1/pixel/page?writeKey=demo&data=!!!', '/v1/pixel/page?data=e30', '/v1/pixel/track?writeKey=nope']) {
      const res = await app.request(bad);
      expect(res.status).toBe(200);
      gifOf(res);
    }
    expect(failed.events).toHaveLength(1); // the undecodable one, with a known key
    expect(await (await admin.request('/metrics')).text()).toContain('touchpoint_pixel_refused_total{reason="unknown key"} 2');
  });
});

describe('operations', () => {
  it('serves health, readiness, metrics, the SDK bundle, the demo page and JSON 404s', async () => {
    const { app, admin } = await setup();
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
    expect(await (await app.request('/readyz')).json()).toEqual({ status: 'ready' });
    expect(await (await admin.request('/readyz')).json()).toEqual({ status: 'ready', checks: { accepting: 'ok', log: 'ok' } });
    await post(app, '/v1/batch', { batch: [track('x1'), track('x1'), { type: 'track' }] });
    await post(app, '/v1/batch', { batch: [1, 4].map((seq) => track(`seq-${seq}`, { context: { seq } })) });
    const metrics = await (await admin.request('/metrics')).text();
    expect(metrics).toContain('touchpoint_sequence_lost_events 2');
    expect(metrics).toContain('touchpoint_events_accepted_total{source="demo"} 3');
    expect(metrics).toContain('touchpoint_events_duplicate_total{source="demo"} 1');
    expect(metrics).toContain('touchpoint_events_rejected_total{source="demo",reason="schema"} 1');
    expect(metrics).toContain('touchpoint_requests_total{route="/v1/batch",status="200"} 2');
    const sdk = await app.request('/touchpoint.min.js');
    expect(sdk.headers.get('content-type')).toContain('javascript');
    expect(await sdk.text()).toBe('window.touchpoint=1');
    expect(await (await app.request('/')).text()).toBe('<h1>shop</h1>');
    const missing = await app.request('/v2/nothing');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ success: false });
  });

  it('stays ready with a failing sink (it only lags), and shows it in the health detail and the metrics', async () => {
    let down = true;
    const flaky: Sink = {
      write: async () => {
        if (down) throw new Error('warehouse down');
      },
      close: async () => {},
      ready: async () => !down,
    };
    const { app, admin } = await setup({ log: { ack: 'log' } }, { failed: flaky });
    await post(app, '/v1/batch', { batch: [track('ok-1'), { type: 'track' }] });
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
    await expect.poll(async () => (await (await admin.request('/healthz')).json()).sinks.failed.status).toBe('retrying');
    const health = (await (await admin.request('/healthz')).json()).sinks;
    expect(health.failed).toMatchObject({ lagBytes: expect.any(Number), backlogEvents: 1 });
    expect(health.failed.lagBytes).toBeGreaterThan(0);
    expect(health.events).toEqual({ status: 'ok', lagBytes: 0, backlogEvents: 0, lagSeconds: 0 });
    const metrics = await (await admin.request('/metrics')).text();
    expect(metrics).toMatch(/touchpoint_sink_backlog_events\{sink="failed"\} 1/);
    expect(metrics).toMatch(/touchpoint_sink_events_delivered_total\{sink="events"\} 1/);
    expect(metrics).toMatch(/touchpoint_sink_failures_total\{sink="failed"\} [1-9]/);
    expect(metrics).toMatch(/touchpoint_sink_lag_seconds\{sink="failed"\} \d/);
    expect(metrics).toMatch(/touchpoint_request_duration_seconds_bucket\{le="0.1",route="\/v1\/batch",status="200"\} 1/);
    expect(metrics).toContain('process_cpu_seconds_total');
    expect(metrics).toContain('nodejs_eventloop_lag_seconds');
    down = false;
    await expect
      .poll(async () => (await (await admin.request('/healthz')).json()).sinks.failed, { timeout: 10_000 })
      .toEqual({ status: 'ok', lagBytes: 0, backlogEvents: 0, lagSeconds: 0 });
  });

  it('stops being ready when it stops, so the load balancer drains it first', async () => {
    const { app, collector } = await setup();
    expect((await app.request('/readyz')).status).toBe(200);
    const stopping = collector.stop();
    expect((await app.request('/readyz')).status).toBe(503);
    await stopping;
  });

  it('answers 404 for the bundle when it is not built', async () => {
    const { app } = await setup({ sdkBundlePath: join(dir, 'missing.js') });
    const res = await app.request('/touchpoint.min.js');
    expect(res.status).toBe(404);
    expect((await res.json()).error).toContain('npm run build');
  });
});

describe('the real server', () => {
  it('listens, writes NDJSON with the client ip once on disk, and stops cleanly', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tp-server-'));
    const collector = await createCollector({ port: 0, host: '127.0.0.1', dataDir, writeKeys: [{ key: 'k' }], logger, ip: { anonymize: false } });
    const { url } = await collector.start();
    try {
      const res = await fetch(`${url}/v1/track`, {
        method: 'POST',
        headers: { 'x-write-key': 'k', 'content-type': 'application/json' },
        body: JSON.stringify({ event: 'Order Completed', anonymousId: 'a1', messageId: 'srv-1' }),
      });
      expect(await res.json()).toEqual({ success: true, accepted: 1, duplicates: 0, rejected: [] });
      // Acknowledged means on disk, in the NDJSON part the user reads: the log is the data.
      const files = (await readdir(join(dataDir, 'events'), { recursive: true })).filter((f) => f.endsWith('.ndjson'));
      expect(files).toEqual([`date=${new Date().toISOString().slice(0, 10)}/part-000000000001.ndjson`]);
      const lines = (await readFile(join(dataDir, 'events', files[0]!), 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ messageId: 'srv-1', type: 'track', source: 'k', context: { ip: '127.0.0.1' } });
    } finally {
      await collector.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
