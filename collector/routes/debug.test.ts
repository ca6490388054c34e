import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCollector, type Collector } from '../app';
import { createEventFeed } from '../pipeline/feed';
import { createMemorySink } from '../sinks/memory';
import { debugRoutes } from './debug';

const TOKEN = 'admin-token-for-the-test-0123';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function collectorWith(admin: { token?: string }): Promise<{ collector: Collector; url: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'qa-debug-'));
  const collector = await createCollector({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    logLevel: 'silent',
    admin,
    sinks: { events: createMemorySink(), failed: createMemorySink() },
    log: { fsync: false },
  });
  const { url } = await collector.start();
  cleanups.push(async () => {
    await collector.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  return { collector, url };
}

/** Reads server-sent events from a streamed response until `count` have come. */
async function readEvents(response: Response, count: number, timeoutMs = 5000): Promise<{ event: string; data: any }[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: { event: string; data: any }[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  while (events.length < count) {
    const timeout = new Promise<{ done: true; value: undefined }>((r) =>
      setTimeout(() => r({ done: true, value: undefined }), Math.max(0, deadline - Date.now())),
    );
    const { value, done } = await Promise.race([reader.read(), timeout]);
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
  }
  await reader.cancel();
  return events;
}

const post = (url: string, batch: unknown[]) =>
  fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-write-key': 'demo' }, body: JSON.stringify({ batch }) });

describe('/debug on a real collector', () => {
  it('does not exist without an admin token', async () => {
    const { url } = await collectorWith({});
    for (const path of ['/debug', '/debug/stream']) {
      const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ success: false, error: `no route for GET ${path}` });
    }
  });

  it('with a token, serves the page and streams only to that token', async () => {
    const { url } = await collectorWith({ token: TOKEN });
    const page = await fetch(`${url}/debug`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'nonce-[^']+'/);
    expect(await page.text()).toContain('Touchpoint live view');
    for (const authorization of [undefined, 'Bearer wrong-token-of-the-same-size', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
      const refused = await fetch(`${url}/debug/stream`, { headers: authorization ? { authorization } : {} });
      expect(refused.status).toBe(404);
    }

    const stream = await fetch(`${url}/debug/stream`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const reading = readEvents(stream, 3);
    await new Promise((r) => setTimeout(r, 100));
    await post(url, [
      { type: 'track', event: 'Order Completed', messageId: 'd1', anonymousId: 'a1', properties: { revenue: 9 } },
      { type: 'track', messageId: 'd2', anonymousId: 'a1' },
    ]);
    const [ready, good, bad] = await reading;
    expect(ready!.event).toBe('ready');
    expect(good).toMatchObject({
      event: 'good',
      data: { source: 'demo', event: { event: 'Order Completed', messageId: 'd1', receivedAt: expect.any(String) } },
    });
    expect(bad).toMatchObject({
      event: 'bad',
      data: { source: 'demo', category: 'schema', reason: expect.stringContaining('event'), event: { messageId: 'd2' } },
    });
  });

  it('filters by event name, anonymous id and write key', async () => {
    const { url } = await collectorWith({ token: TOKEN });
    const stream = await fetch(`${url}/debug/stream?event=order&anonymousId=A2`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const reading = readEvents(stream, 2);
    await new Promise((r) => setTimeout(r, 100));
    await post(url, [
      { type: 'track', event: 'Order Completed', messageId: 'f1', anonymousId: 'a1' },
      { type: 'track', event: 'Product Added', messageId: 'f2', anonymousId: 'a2' },
      { type: 'track', event: 'Order Completed', messageId: 'f3', anonymousId: 'a2' },
    ]);
    const [, only] = await reading;
    expect(only!.data.event.messageId).toBe('f3');
    const other = await fetch(`${url}/debug/stream?source=web-shop`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const none = readEvents(other, 2, 500);
    await new Promise((r) => setTimeout(r, 100));
    await post(url, [{ type: 'track', event: 'X', messageId: 'f4', anonymousId: 'a1' }]);
    expect((await none).map((e) => e.event)).toEqual(['ready']);
  });

  it('stopping the collector ends the open streams', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'qa-debug-'));
    const collector = await createCollector({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      logLevel: 'silent',
      admin: { token: TOKEN },
      sinks: { events: createMemorySink() },
    });
    const { url } = await collector.start();
    const stream = await fetch(`${url}/debug/stream`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const reading = readEvents(stream, 10);
    const started = Date.now();
    await collector.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await reading).map((e) => e.event)).toEqual(['ready']);
    await rm(dataDir, { recursive: true, force: true });
  });
});

describe('debugRoutes', () => {
  it('drops what a viewer that does not read cannot take, and says how much', async () => {
    const feed = createEventFeed();
    const app = debugRoutes({ feed, isAllowed: () => true, maxPending: 3 });
    const response = await app.request('/debug/stream');
    const event = (n: number) => ({ type: 'track', event: `E${n}`, messageId: `m${n}`, context: {}, timestamp: 't', receivedAt: 'r' }) as never;
    // Nobody reads the body yet: writes stay pending, and past 3 the rest are dropped.
    for (let n = 0; n < 10; n++) feed.publish({ source: 's', events: [event(n)], bots: [], failed: [] });
    const reading = readEvents(response, 5);
    await new Promise((r) => setTimeout(r, 50));
    feed.publish({ source: 's', events: [event(99)], bots: [], failed: [] });
    const events = await reading;
    expect(events.map((e) => e.event)).toEqual(['ready', 'good', 'good', 'dropped', 'good']);
    expect(events[3]!.data).toEqual({ count: 8 });
    expect(events[4]!.data.event.event).toBe('E99');
    feed.close();
  });
});
