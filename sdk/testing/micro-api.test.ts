import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from './test-collector';

let c: TestCollector;
beforeAll(async () => {
  c = await startTestCollector();
});
afterAll(() => c.close());
beforeEach(async () => {
  expect((await fetch(`${c.url}/debug/reset`, { method: 'POST' })).status).toBe(200);
});

const get = async (path: string) => {
  const response = await fetch(`${c.url}${path}`);
  return { status: response.status, body: (await response.json()) as any };
};
const send = (batch: unknown[]) =>
  fetch(`${c.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-write-key': 'demo' }, body: JSON.stringify({ batch }) });
let n = 0;
const ev = (event: string, extra: Record<string, unknown> = {}) => ({ type: 'track', event, messageId: `api-${++n}`, anonymousId: 'a1', ...extra });

describe('the micro HTTP API', () => {
  it('GET /debug/events lists good and bad events, filtered', async () => {
    await send([ev('Order Completed'), ev('Product Added', { anonymousId: 'a2' }), { type: 'track', messageId: 'broken', anonymousId: 'a1' }]);
    const all = await get('/debug/events');
    expect(all.status).toBe(200);
    expect(all.body.good.map((e: any) => e.event)).toEqual(['Order Completed', 'Product Added']);
    expect(all.body.bad).toEqual([expect.objectContaining({ category: 'schema', source: 'demo', event: expect.objectContaining({ messageId: 'broken' }) })]);
    expect((await get('/debug/events?status=good&event=Product%20Added')).body).toEqual({ good: [expect.objectContaining({ anonymousId: 'a2' })], bad: [] });
    expect((await get('/debug/events?status=bad')).body.good).toEqual([]);
    expect((await get('/debug/events?anonymousId=a2&status=all')).body.good).toHaveLength(1);
    expect((await get('/debug/events?type=page')).body).toEqual({ good: [], bad: [] });
  });

  it('POST /debug/reset forgets everything', async () => {
    await send([ev('A')]);
    await fetch(`${c.url}/debug/reset`, { method: 'POST' });
    expect((await get('/debug/events')).body).toEqual({ good: [], bad: [] });
  });

  it('GET /debug/wait answers once the events have come, or 408 with those that did', async () => {
    const waiting = get('/debug/wait?event=Checkout%20Started&count=2&timeout=3000');
    await send([ev('Checkout Started')]);
    await new Promise((r) => setTimeout(r, 100));
    await send([ev('Checkout Started')]);
    const done = await waiting;
    expect(done.status).toBe(200);
    expect(done.body.events).toHaveLength(2);

    const late = await get('/debug/wait?event=Order%20Refunded&timeout=150');
    expect(late.status).toBe(408);
    expect(late.body).toMatchObject({ success: false, error: 'timed out after 150 ms: 0 of 1 event(s) arrived', events: [] });
  });

  it('POST /debug/fail and /debug/heal switch faults over HTTP', async () => {
    const fail = await fetch(`${c.url}/debug/fail`, { method: 'POST', body: JSON.stringify({ status: 429, retryAfter: 3, times: 1 }) });
    expect(fail.status).toBe(200);
    const limited = await send([ev('A')]);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
    await fetch(`${c.url}/debug/fail`, { method: 'POST', body: JSON.stringify({ status: 503 }) });
    expect((await send([ev('A')])).status).toBe(503);
    await fetch(`${c.url}/debug/heal`, { method: 'POST' });
    expect((await send([ev('A')])).status).toBe(200);
  });

  it('answers malformed and hostile input with 400 and one line', async () => {
    for (const query of ['status=ugly', 'count=0', 'count=1.5', 'timeout=-1', 'timeout=999999999', 'unknown=1', `event=${'x'.repeat(300)}`, 'count=1e3x']) {
      const path = query.startsWith('count') || query.startsWith('timeout') ? `/debug/wait?${query}` : `/debug/events?${query}`;
      const { status, body } = await get(path);
      expect(status, path).toBe(400);
      expect(body.error, path).toMatch(/^bad query: /);
    }
    for (const body of ['not json', '[]', '{"status":"503"}', '{"status":503,"__proto__":{"x":1}}', JSON.stringify({ stall: 1e12 })]) {
      const response = await fetch(`${c.url}/debug/fail`, { method: 'POST', body });
      expect(response.status, body).toBe(400);
      expect(((await response.json()) as any).error).toMatch(/^fail\(\): /);
    }
    const huge = await fetch(`${c.url}/debug/fail`, { method: 'POST', body: JSON.stringify({ status: 503, pad: 'x'.repeat(100_000) }) });
    expect(huge.status).toBe(413);
    expect({} as any).not.toHaveProperty('x'); // the prototype was not polluted
    expect((await send([ev('A')])).status).toBe(200); // no fault was switched on by any of them
  });
});
