import { afterEach, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from './test-collector';

let collector: TestCollector | undefined;
afterEach(async () => {
  await collector?.close();
  collector = undefined;
});

let seq = 0;
const track = (event: string, properties: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event,
  properties,
  messageId: `m-${++seq}-${Math.random()}`,
  anonymousId: 'anon-1',
  ...extra,
});

async function send(c: TestCollector, batch: unknown[], writeKey = c.writeKey) {
  return fetch(`${c.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
    body: JSON.stringify({ batch }),
  });
}

describe('startTestCollector', () => {
  it('runs the real pipeline: valid events enriched and kept, invalid ones kept with the reason, duplicates dropped', async () => {
    collector = await startTestCollector();
    const order = track('Order Completed', { order_id: 'o1', revenue: 99 });
    const response = await send(collector, [order, { type: 'track', messageId: 'bad-1', anonymousId: 'a' }, order]);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ accepted: 1, duplicates: 1, rejected: [{ messageId: 'bad-1' }] });

    const [stored] = collector.events('Order Completed');
    expect(stored).toMatchObject({ messageId: order.messageId, properties: { revenue: 99 } });
    expect(stored!.receivedAt).toMatch(/^\d{4}-/); // enriched
    expect(stored!.context.ip).toBe('127.0.0.0'); // anonymised, as the real collector does
    expect(collector.good()).toHaveLength(1);
    expect(collector.bad()).toEqual([expect.objectContaining({ category: 'schema', source: 'demo', reason: expect.stringContaining('event') })]);
    // Visible as soon as the request is answered: no sink to wait for.
    expect(collector.events({ properties: { revenue: 99 } })).toHaveLength(1);
    expect(collector.events('Order Completed', { revenue: 100 })).toHaveLength(0);
  });

  it('accepts the write keys and the tracking plan the real collector does', async () => {
    collector = await startTestCollector({
      writeKeys: [{ key: 'wk_test_shop', name: 'shop-web' }],
      trackingPlan: { events: { 'Order Completed': { properties: { order_id: { type: 'string', required: true } } } } },
    });
    expect(collector.writeKey).toBe('wk_test_shop');
    expect((await send(collector, [track('Order Completed', {})], 'demo')).status).toBe(401);
    await send(collector, [track('Order Completed', {}), track('Order Completed', { order_id: 'o2' })]);
    expect(collector.events()).toHaveLength(1);
    expect(collector.bad()).toEqual([
      expect.objectContaining({ category: 'tracking_plan', source: 'shop-web', reason: 'properties.order_id: required by the tracking plan' }),
    ]);
  });

  it('waitFor resolves when the events arrive, and on timeout says what arrived instead', async () => {
    collector = await startTestCollector();
    const waiting = collector.waitFor('Product Added', { count: 2, timeout: 3000 });
    await send(collector, [track('Product Added', { sku: 'a' })]);
    await send(collector, [track('Product Added', { sku: 'b' })]);
    expect((await waiting).map((e) => e.properties!.sku)).toEqual(['a', 'b']);

    await send(collector, [track('Order Completed', { revenue: 113.5 })]);
    const error = await collector.waitFor('Order Completed', { properties: { revenue: 99 }, timeout: 200 }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('Timed out after 200 ms waiting for 1 event(s) matching "Order Completed" {"properties":{"revenue":99}}');
    expect((error as Error).message).toContain('properties.revenue: expected 99, received 113.5');
  });

  it('reset forgets the events', async () => {
    collector = await startTestCollector();
    await send(collector, [track('A')]);
    collector.reset();
    expect(collector.good()).toEqual([]);
    await send(collector, [track('B')]);
    expect(collector.good().map((e) => e.event)).toEqual(['B']);
  });

  it('serves the SDK builds and the demo shop', async () => {
    collector = await startTestCollector();
    const script = await fetch(`${collector.url}/touchpoint.min.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${collector.url}/touchpoint.full.min.js`)).status).toBe(200);
    expect(await (await fetch(`${collector.url}/`)).text()).toContain('Touchpoint demo shop');
  });

  it('refuses options the real collector refuses', async () => {
    await expect(startTestCollector({ writeKeys: [{ key: 'has space' }] })).rejects.toThrow(/writeKeys\.0\.key/);
    await expect(startTestCollector({ trackingPlan: { events: { X: { properties: { a: { type: 'date' } } } } } as never })).rejects.toThrow();
  });
});

describe('fault switches', () => {
  it('answers the given status for the given number of requests, then recovers', async () => {
    collector = await startTestCollector();
    const fault = collector.fail({ status: 503, times: 2 });
    expect((await send(collector, [track('A')])).status).toBe(503);
    const limited = collector.fail({ status: 429, retryAfter: 7, times: 1 });
    expect((await send(collector, [track('A')])).status).toBe(503);
    expect(fault).toMatchObject({ hits: 2, done: true });
    const third = await send(collector, [track('A')]);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('7');
    expect(limited.done).toBe(true);
    expect((await send(collector, [track('A')])).status).toBe(200);
    expect(collector.events('A')).toHaveLength(1); // nothing from the failed requests was stored
  });

  it('stalls a request until healed, then answers it normally', async () => {
    collector = await startTestCollector();
    collector.fail({ stall: true });
    let answered = false;
    const pending = send(collector, [track('Stalled')]).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    expect(await collector.idle({ timeout: 100 })).toBe(false); // a request is in flight
    collector.heal();
    expect((await pending).status).toBe(200);
    expect(collector.events('Stalled')).toHaveLength(1);
  });

  it('a timed stall lets the request through after the delay', async () => {
    collector = await startTestCollector();
    collector.fail({ stall: 300, times: 1 });
    const started = Date.now();
    expect((await send(collector, [track('Slow')])).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('refuses: the connection closes without an answer', async () => {
    collector = await startTestCollector();
    collector.fail({ refuse: true, times: 1 });
    await expect(send(collector, [track('A')])).rejects.toThrow(/fetch failed/);
    expect((await send(collector, [track('A')])).status).toBe(200);
    // The page and the bundles stay served while tracking fails.
    collector.fail({ refuse: true });
    expect((await fetch(`${collector.url}/touchpoint.min.js`)).status).toBe(200);
  });

  it('says what is wrong with a fault', async () => {
    collector = await startTestCollector();
    expect(() => collector!.fail({})).toThrow('give exactly one of status, stall or refuse');
    expect(() => collector!.fail({ status: 200 })).toThrow(/status/);
    expect(() => collector!.fail({ status: 503, stall: 10 })).toThrow('exactly one');
    expect(() => collector!.fail({ stall: 10, retryAfter: 1 })).toThrow('retryAfter goes with a status');
    expect(() => collector!.fail({ status: 503, times: 0 })).toThrow(/times/);
    expect(() => collector!.fail('503' as never)).toThrow(/fail\(\)/);
  });
});
