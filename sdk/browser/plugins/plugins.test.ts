import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plugin } from '../../core/plugin';
import { createMemoryStore, type KeyValueStore } from '../../core/store';
import { createTracker } from '../../core/tracker';
import type { Transport } from '../../core/transport';
import type { PageContext } from '../../protocol/types';
import { attributionPlugin } from './attribution';
import { formsPlugin } from './forms';
import { pageViewsPlugin } from './page-views';
import { sessionPlugin } from './session';

// The plugins take the page and the time from the tracker: each test controls both through the
// tracker's `context` and `now`, as the browser entry supplies them from `location` and `Date`.
let page: PageContext;
let clock: number;
function visit(url: string, referrer = '') {
  page = { url, path: new URL(url).pathname, referrer };
}

let store: KeyValueStore;
let sent: any[];
const transport: Transport = async ({ body }) => {
  sent.push(...JSON.parse(body).batch);
  return { status: 200 };
};
let ids = 0;
const tracker = (plugins: Plugin[]) =>
  createTracker({
    uuid: () => `id-${++ids}`,
    writeKey: 'k',
    endpoint: '',
    transport,
    store,
    plugins,
    now: () => clock,
    context: () => ({ page: { ...page } }),
  });

beforeEach(() => {
  store = createMemoryStore();
  sent = [];
  clock = Date.parse('2026-11-24T10:00:00Z');
  visit('https://shop.example/');
});
afterEach(() => {
  for (const name of ['history', 'addEventListener', 'HTMLFormElement', 'CSS', 'document']) Reflect.deleteProperty(globalThis, name);
});

describe('attribution and session plugins', () => {
  const withBoth = () => tracker([attributionPlugin(), sessionPlugin()]);

  it('carry the landing campaign into a later order, keeping the first touch across visits', async () => {
    visit('https://shop.example/?utm_source=weibo&utm_medium=social', 'https://weibo.com/u/1');
    const first = withBoth();
    first.page();
    await first.flush();

    clock += 60_000;
    visit('https://shop.example/landing?bd_vid=99');
    const second = withBoth();
    second.page();
    await second.flush();
    clock += 60_000;
    visit('https://shop.example/checkout', 'https://shop.example/landing?bd_vid=99');
    const third = withBoth(); // a later page of the same visit: no new touch
    third.track('Order Completed', { order_id: 'o1', revenue: 9.9, currency: 'CNY' });
    await third.flush();

    const order = sent.find((e) => e.event === 'Order Completed');
    expect(order.context.attribution.first).toEqual({
      utm: { source: 'weibo', medium: 'social' },
      referrer: 'https://weibo.com/u/1',
      landingUrl: 'https://shop.example/?utm_source=weibo&utm_medium=social',
      at: '2026-11-24T10:00:00.000Z',
    });
    expect(order.context.attribution.last).toEqual({
      clickIds: { bd_vid: '99' },
      landingUrl: 'https://shop.example/landing?bd_vid=99',
      at: '2026-11-24T10:01:00.000Z',
    });
    // The Baidu ad started a new session; the checkout page continued it.
    const sessions = sent.map((e) => e.context.session);
    expect(sessions[0]).toMatchObject({ index: 1, start: '2026-11-24T10:00:00.000Z' });
    expect(sessions[1]).toMatchObject({ index: 2, start: '2026-11-24T10:01:00.000Z' });
    expect(order.context.session).toEqual(sessions[1]);
  });

  it('add nothing on a direct first visit', async () => {
    const tp = withBoth();
    tp.page();
    await tp.flush();
    expect(sent[0].context.attribution).toBeUndefined();
    expect(sent[0].context.session).toMatchObject({ index: 1 });
  });

  it("start a new session, with an id from the tracker, after 30 minutes idle by the tracker's clock", async () => {
    const tp = tracker([sessionPlugin()]);
    tp.track('a');
    clock += 29 * 60_000;
    tp.track('b');
    clock += 30 * 60_000 + 1;
    tp.track('c');
    await tp.flush();
    const [a, b, c] = sent.map((e) => e.context.session);
    expect(b).toEqual(a);
    expect(c).toEqual({ id: expect.stringMatching(/^id-\d+$/), index: 2, start: new Date(clock).toISOString() });
    expect(c.id).not.toBe(a.id);
  });
});

describe('page views plugin', () => {
  it("tracks each route change once, and Page Left with the time on page by the tracker's clock", async () => {
    const listeners: Record<string, (() => void)[]> = {};
    Object.assign(globalThis, {
      history: { pushState() {}, replaceState() {} },
      addEventListener: (type: string, listener: () => void) => (listeners[type] ??= []).push(listener),
    });
    visit('https://shop.example/a');
    const tp = tracker([pageViewsPlugin()]);
    clock += 4_000;
    visit('https://shop.example/b?x=1');
    history.pushState({}, '', '/b?x=1');
    history.replaceState({}, '', '/b?x=1'); // the same URL: no second view
    clock += 2_500;
    for (const listener of listeners.pagehide!) listener();
    await tp.flush();
    expect(sent.map((e) => [e.type, e.event ?? e.context.page.url, e.properties])).toEqual([
      ['page', 'https://shop.example/a', {}],
      ['track', 'Page Left', { url: 'https://shop.example/a', path: '/a', time_on_page_ms: 4_000 }],
      ['page', 'https://shop.example/b?x=1', {}],
      ['track', 'Page Left', { url: 'https://shop.example/b?x=1', path: '/b', time_on_page_ms: 2_500 }],
    ]);
  });
});

describe('forms plugin', () => {
  it('resolves the form action against the page the tracker sees', async () => {
    let submit: (event: { target: unknown }) => void = () => {};
    class FakeForm {
      constructor(private attributes: Record<string, string>) {}
      getAttribute = (name: string) => this.attributes[name] ?? null;
      closest = () => null;
    }
    Object.assign(globalThis, {
      HTMLFormElement: FakeForm,
      CSS: { escape: (text: string) => text },
      document: { body: null },
      addEventListener: (type: string, listener: typeof submit) => type === 'submit' && (submit = listener),
    });
    visit('https://shop.example/account/signup');
    const tp = tracker([formsPlugin()]);
    submit({ target: new FakeForm({ id: 'signup', method: 'POST', action: '../register' }) });
    submit({ target: new FakeForm({ id: 'broken', action: 'http://[' }) }); // no URL: left out, nothing thrown
    await tp.flush();
    expect(sent.map((e) => e.properties)).toEqual([
      { selector: '#signup', method: 'post', id: 'signup', action: 'https://shop.example/register' },
      { selector: '#broken', method: 'get', id: 'broken' },
    ]);
  });
});
