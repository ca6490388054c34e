import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector } from './app';
import { createMemorySink } from './sinks/memory';
import type { Sink } from './sinks/sink';

const logger = pino({ level: 'silent' });
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tp-app-'));
  await writeFile(join(dir, 'sdk.js'), 'window.touchpoint=1');
  await writeFile(join(dir, 'demo.html'), '<h1>shop</h1>');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function setup(overrides: { writeKeys?: string[]; events?: Sink } = {}) {
  const events = createMemorySink();
  const failed = createMemorySink();
  const collector = createCollector({
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    writeKeys: overrides.writeKeys ?? [],
    trustProxy: false,
    logLevel: 'silent',
    logger,
    sinks: { events: overrides.events ?? events, failed },
    sdkBundlePath: join(dir, 'sdk.js'),
    demoPagePath: join(dir, 'demo.html'),
  });
  return { app: collector.app, events, failed };
}

const auth = { authorization: `Basic ${Buffer.from('demo:').toString('base64')}` };
const json = { 'content-type': 'application/json' };
const track = (messageId: string) => ({ type: 'track', event: 'Order Completed', messageId, anonymousId: 'a1' });

describe('POST /v1/batch', () => {
  it('accepts a batch, writes the enriched events and answers with the counts', async () => {
    const { app, events, failed } = setup();
    const res = await app.request('/v1/batch', {
      method: 'POST',
      headers: { ...auth, ...json },
      body: JSON.stringify({ batch: [track('m1'), track('m2')], sentAt: new Date().toISOString() }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, accepted: 2, rejected: [] });
    expect(events.events).toMatchObject([{ messageId: 'm1', receivedAt: expect.any(String) }, { messageId: 'm2' }]);
    expect(failed.events).toEqual([]);
  });

  it('takes a beacon: text/plain with the write key in the body', async () => {
    const { app, events } = setup();
    const res = await app.request('/v1/batch', {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ writeKey: 'demo', batch: [track('beacon')] }),
    });
    expect(res.status).toBe(200);
    expect(events.events).toHaveLength(1);
  });

  it('sends invalid events to the failed sink with the reason and the original event', async () => {
    const { app, events, failed } = setup();
    const bad = { type: 'track', messageId: 'bad', anonymousId: 'a1', properties: 'nope' };
    const res = await app.request('/v1/batch', { method: 'POST', headers: auth, body: JSON.stringify({ batch: [track('ok'), bad] }) });
    const body = await res.json();
    expect(body.accepted).toBe(1);
    expect(body.rejected).toEqual([{ messageId: 'bad', reason: expect.stringContaining('properties') }]);
    expect(events.events).toHaveLength(1);
    expect(failed.events).toEqual([{ reason: body.rejected[0].reason, receivedAt: expect.any(String), writeKey: 'demo', event: bad }]);
  });

  it('answers 400 to a body that is not a batch, and 413 to too many events', async () => {
    const { app } = setup();
    const notBatch = await app.request('/v1/batch', { method: 'POST', headers: auth, body: '{"batch":"x"}' });
    expect(notBatch.status).toBe(400);
    expect((await notBatch.json()).error).toContain('batch');
    const many = await app.request('/v1/batch', { method: 'POST', headers: auth, body: JSON.stringify({ batch: Array(2501).fill(1) }) });
    expect(many.status).toBe(413);
  });

  it('answers 401 to an unknown key, and accepts configured keys instead of demo', async () => {
    const { app } = setup({ writeKeys: ['prod'] });
    const body = JSON.stringify({ batch: [track('m')] });
    expect((await app.request('/v1/batch', { method: 'POST', headers: auth, body })).status).toBe(401);
    expect((await app.request('/v1/batch?writeKey=prod', { method: 'POST', body })).status).toBe(200);
  });

  it('answers 503 with Retry-After when the sink cannot write, so the client keeps the events', async () => {
    const broken: Sink = { write: () => Promise.reject(new Error('disk full')), close: async () => {} };
    const { app } = setup({ events: broken });
    const res = await app.request('/v1/batch', { method: 'POST', headers: auth, body: JSON.stringify({ batch: [track('m')] }) });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ success: false });
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
    const { app, events } = setup();
    const res = await app.request(`/v1/${type}`, { method: 'POST', headers: auth, body: JSON.stringify({ ...event, writeKey: 'ignored-by-basic' }) });
    expect(await res.json()).toEqual({ success: true, accepted: 1, rejected: [] });
    expect(events.events[0]).toMatchObject({ ...event, type });
    expect(events.events[0]).not.toHaveProperty('writeKey');
  });
});

describe('other routes', () => {
  it('serves health, the SDK bundle, the demo page, CORS and JSON 404s', async () => {
    const { app } = setup();
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
    const sdk = await app.request('/touchpoint.min.js');
    expect(sdk.headers.get('content-type')).toContain('javascript');
    expect(await sdk.text()).toBe('window.touchpoint=1');
    expect(await (await app.request('/')).text()).toBe('<h1>shop</h1>');
    const preflight = await app.request('/v1/batch', {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const missing = await app.request('/v2/nothing');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ success: false });
  });

  it('answers 404 for the bundle when it is not built', async () => {
    const collector = createCollector({
      port: 0, host: '127.0.0.1', dataDir: dir, writeKeys: [], trustProxy: false, logLevel: 'silent', logger,
      sinks: { events: createMemorySink(), failed: createMemorySink() },
      sdkBundlePath: join(dir, 'missing.js'), demoPagePath: join(dir, 'demo.html'),
    });
    const res = await collector.app.request('/touchpoint.min.js');
    expect(res.status).toBe(404);
    expect((await res.json()).error).toContain('npm run build');
  });
});

describe('the real server', () => {
  it('listens, writes NDJSON durably with the client ip, and stops cleanly', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tp-server-'));
    const collector = createCollector({ port: 0, host: '127.0.0.1', dataDir, writeKeys: ['k'], trustProxy: false, logLevel: 'silent', logger });
    const { url } = await collector.start();
    try {
      const res = await fetch(`${url}/v1/track`, {
        method: 'POST',
        headers: { 'x-write-key': 'k', 'content-type': 'application/json' },
        body: JSON.stringify({ event: 'Order Completed', anonymousId: 'a1', messageId: 'srv-1' }),
      });
      expect(await res.json()).toEqual({ success: true, accepted: 1, rejected: [] });
      // Acknowledged means on disk: read the file right away.
      const files = (await readdir(join(dataDir, 'events'), { recursive: true })).filter((f) => f.endsWith('.ndjson'));
      const [line] = (await readFile(join(dataDir, 'events', files[0]!), 'utf8')).trim().split('\n');
      expect(JSON.parse(line!)).toMatchObject({ messageId: 'srv-1', type: 'track', context: { ip: '127.0.0.1' } });
    } finally {
      await collector.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
