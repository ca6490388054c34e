import { uuid4 } from '../../core/uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore, type KeyValueStore } from '../../core/store';
import { createTracker } from '../../core/tracker';
import type { Transport } from '../../core/transport';
import { attributionPlugin } from './attribution';
import { sessionPlugin } from './session';

// The plugins read the page's location and referrer; node has neither, so each test sets them.
function visit(href: string, referrer = '') {
  Object.assign(globalThis, { location: new URL(href), document: { referrer } });
}

let store: KeyValueStore;
let sent: any[];
const transport: Transport = async ({ body }) => {
  sent.push(...JSON.parse(body).batch);
  return { status: 200 };
};
const page = async () => {
  const tp = createTracker({ uuid: uuid4, writeKey: 'k', endpoint: '', transport, store, plugins: [attributionPlugin(), sessionPlugin()] });
  return tp;
};

beforeEach(() => {
  store = createMemoryStore();
  sent = [];
});
afterEach(() => {
  Reflect.deleteProperty(globalThis, 'location');
  Reflect.deleteProperty(globalThis, 'document');
});

describe('attribution and session plugins', () => {
  it('carry the landing campaign into a later order, keeping the first touch across visits', async () => {
    visit('https://shop.example/?utm_source=weibo&utm_medium=social', 'https://weibo.com/u/1');
    const first = await page();
    first.page();
    await first.flush();

    visit('https://shop.example/landing?bd_vid=99');
    const second = await page();
    second.page();
    await second.flush();
    visit('https://shop.example/checkout', 'https://shop.example/landing?bd_vid=99');
    const third = await page(); // a later page of the same visit: no new touch
    third.track('Order Completed', { order_id: 'o1', revenue: 9.9, currency: 'CNY' });
    await third.flush();

    const order = sent.find((e) => e.event === 'Order Completed');
    expect(order.context.attribution.first).toMatchObject({ utm: { source: 'weibo', medium: 'social' }, referrer: 'https://weibo.com/u/1' });
    expect(order.context.attribution.last).toMatchObject({ clickIds: { bd_vid: '99' }, landingUrl: 'https://shop.example/landing?bd_vid=99' });
    // The Baidu ad started a new session; the checkout page continued it.
    const sessions = sent.map((e) => e.context.session);
    expect(sessions[0].index).toBe(1);
    expect(sessions[1]).toMatchObject({ index: 2 });
    expect(order.context.session).toEqual(sessions[1]);
  });

  it('add nothing on a direct first visit', async () => {
    visit('https://shop.example/');
    const tp = await page();
    tp.page();
    await tp.flush();
    expect(sent[0].context.attribution).toBeUndefined();
    expect(sent[0].context.session).toMatchObject({ index: 1 });
  });
});
