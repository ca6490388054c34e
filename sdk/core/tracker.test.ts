import { uuid4 } from './uuid';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TouchpointEvent } from '../protocol/types';
import { createMemoryStore, type KeyValueStore } from './store';
import { createTracker, type TrackerOptions } from './tracker';
import type { Transport, TransportResponse } from './transport';

interface Sent {
  url: string;
  keepalive: boolean;
  batch: TouchpointEvent[];
  sentAt: string;
  writeKey: string;
}

/** A transport that records each request and answers with the next scripted response (200 after). */
function recorder(...script: (number | TransportResponse)[]) {
  const sent: Sent[] = [];
  const transport: Transport = async ({ url, body, keepalive }) => {
    sent.push({ url, keepalive, ...JSON.parse(body) });
    const next = script.shift() ?? 200;
    return typeof next === 'number' ? { status: next } : next;
  };
  return { sent, transport, ids: () => sent.flatMap((r) => r.batch.map((e) => e.messageId)) };
}

const settle = () => vi.advanceTimersByTimeAsync(0);
let store: KeyValueStore;
const make = (transport: Transport, options: Partial<TrackerOptions> = {}) =>
  createTracker({ uuid: uuid4, writeKey: 'wk', endpoint: 'https://c.example/', transport, store, random: () => 0.5, ...options });

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-11-24T10:00:00Z') });
  store = createMemoryStore();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('events', () => {
  it('builds Segment events with ids, time, context and library', async () => {
    const { sent, transport } = recorder();
    const tp = make(transport, { context: () => ({ locale: 'zh-CN' }) });
    tp.track('Order Completed', { order_id: 'o1', revenue: 9.9 });
    tp.page('Home');
    tp.page({ path: '/x' });
    await tp.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ url: 'https://c.example/v1/batch', writeKey: 'wk', sentAt: '2026-11-24T10:00:00.000Z' });
    const [track, page, bare] = sent[0]!.batch;
    expect(track).toEqual({
      type: 'track',
      event: 'Order Completed',
      properties: { order_id: 'o1', revenue: 9.9 },
      messageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      anonymousId: tp.anonymousId(),
      timestamp: '2026-11-24T10:00:00.000Z',
      context: { locale: 'zh-CN', library: { name: 'touchpoint', version: expect.any(String) }, seq: 1 },
    });
    expect(page).toMatchObject({ type: 'page', name: 'Home', properties: {} });
    expect(bare).toMatchObject({ type: 'page', properties: { path: '/x' } });
    expect(bare).not.toHaveProperty('name');
  });

  it('keeps the time of the call, not of the send', async () => {
    const { sent, transport } = recorder();
    const tp = make(transport);
    tp.track('early');
    await vi.advanceTimersByTimeAsync(3000);
    tp.track('late');
    await tp.flush();
    expect(sent[0]!.batch.map((e) => e.timestamp)).toEqual(['2026-11-24T10:00:00.000Z', '2026-11-24T10:00:03.000Z']);
  });

  it('identifies, aliases, groups and resets', async () => {
    const { sent, transport } = recorder();
    const tp = make(transport);
    tp.track('before');
    tp.identify('u1', { plan: 'pro' });
    tp.track('after');
    tp.group('g1', { name: 'Acme' });
    tp.alias('u2');
    tp.track('aliased');
    await settle();
    const firstAnon = tp.anonymousId();
    tp.reset();
    tp.track('anonymous again');
    await tp.flush();
    const batch = sent.flatMap((r) => r.batch) as any[];
    expect(batch.map((e) => [e.type, e.event ?? '', e.userId ?? null])).toEqual([
      ['track', 'before', null],
      ['identify', '', 'u1'],
      ['track', 'after', 'u1'],
      ['group', '', 'u1'],
      ['alias', '', 'u2'],
      ['track', 'aliased', 'u2'],
      ['track', 'anonymous again', null],
    ]);
    expect(batch[1].traits).toEqual({ plan: 'pro' });
    expect(batch[3]).toMatchObject({ groupId: 'g1', traits: { name: 'Acme' } });
    expect(batch[4].previousId).toBe('u1');
    expect(batch[6].anonymousId).not.toBe(firstAnon);
    expect(tp.userId()).toBeUndefined();
  });

  it('keeps the anonymous id and the user across trackers on one store (page reloads)', async () => {
    const first = make(recorder().transport);
    first.identify('u9');
    await first.flush();
    const second = make(recorder().transport);
    await settle();
    expect(second.anonymousId()).toBe(first.anonymousId());
    expect(second.userId()).toBe('u9');
  });
});

describe('sequence numbers', () => {
  it('number every event of the device, across page loads, without reusing a number', async () => {
    const first = make(recorder().transport);
    first.track('a');
    first.track('b');
    await first.flush();
    const down = recorder(0);
    const second = make(down.transport);
    second.track('c');
    await second.flush(); // fails: c stays queued
    await store.delMany(['tp:v1:seq']); // as if the page died before saving its counter
    const up = recorder();
    const third = make(up.transport);
    third.track('d');
    await third.flush();
    expect(up.sent.flatMap((r) => r.batch.map((e: any) => [e.event, e.context.seq]))).toEqual([
      ['c', 3],
      ['d', 4],
    ]);
  });

  it('leave no gap for an event a plugin drops on purpose (consent, sampling)', async () => {
    const { sent, transport } = recorder();
    const tp = make(transport, { plugins: [{ name: 'drop b', enrich: (e) => ((e as { event?: string }).event === 'b' ? null : e) }] });
    tp.track('a');
    tp.track('b');
    tp.track('c');
    await tp.flush();
    expect(sent.flatMap((r) => r.batch.map((e: any) => [e.event, e.context.seq]))).toEqual([
      ['a', 1],
      ['c', 2],
    ]);
  });
});

describe('batching', () => {
  it('sends when flushAt events are queued', async () => {
    const { sent, transport } = recorder();
    const tp = make(transport, { flushAt: 3 });
    tp.track('1');
    tp.track('2');
    await settle();
    expect(sent).toHaveLength(0);
    tp.track('3');
    await settle();
    expect(sent.map((r) => r.batch.length)).toEqual([3]);
  });

  it('sends after flushInterval at the latest', async () => {
    const { sent, transport } = recorder();
    const tp = make(transport, { flushInterval: 2000 });
    tp.track('lonely');
    await vi.advanceTimersByTimeAsync(1999);
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(1);
  });

  it('splits requests by bytes and by count', async () => {
    const { sent, transport } = recorder();
    const tp = make(transport, { maxBatchBytes: 2000, maxBatchEvents: 4, flushAt: 1000 });
    for (let i = 0; i < 6; i++) tp.track('big', { blob: 'x'.repeat(700) });
    for (let i = 0; i < 6; i++) tp.track('small');
    await tp.flush();
    const sizes = sent.map((r) => r.batch.length);
    expect(sizes.reduce((a, b) => a + b)).toBe(12);
    for (const r of sent) {
      expect(r.batch.length).toBeLessThanOrEqual(4);
      if (r.batch.length > 1) expect(JSON.stringify(r.batch).length).toBeLessThanOrEqual(2000);
    }
    expect(sizes.slice(0, 3)).toEqual([2, 2, 2]);
  });
});

describe('delivery', () => {
  it('keeps events through failures and delivers the same ones after recovery, with backoff', async () => {
    const { sent, transport, ids } = recorder(0, 503, 500);
    const tp = make(transport, { flushAt: 2 });
    tp.track('a');
    tp.track('b');
    await settle();
    expect(sent).toHaveLength(1);
    expect(tp.stats().queued).toBe(2);
    // random() = 0.5 gives 0.75 of the ceiling: 750 ms, then 1500 ms, then 3000 ms.
    await vi.advanceTimersByTimeAsync(749);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1500);
    expect(sent).toHaveLength(3);
    tp.track('c'); // a new event during backoff waits for the retry
    await settle();
    expect(sent).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(3000);
    expect(sent).toHaveLength(4);
    expect(tp.stats()).toMatchObject({ queued: 0, sent: 3 });
    const [first, ...rest] = sent.map((r) => r.batch.map((e) => e.messageId).join());
    expect(rest.slice(0, 2)).toEqual([first, first]);
    expect(new Set(ids()).size).toBe(3);
  });

  it('honours Retry-After', async () => {
    const { sent, transport } = recorder({ status: 429, retryAfter: 30 });
    const tp = make(transport);
    tp.track('a');
    await tp.flush();
    await vi.advanceTimersByTimeAsync(29_999);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
  });

  it('splits a batch the collector finds too large, and drops a single event it refuses', async () => {
    const { sent, transport } = recorder(413, 200, 413);
    const tp = make(transport);
    tp.track('a');
    tp.track('b');
    tp.track('c');
    await tp.flush();
    expect(sent.map((r) => r.batch.map((e: any) => e.event))).toEqual([['a', 'b', 'c'], ['a', 'b'], ['c']]);
    expect(tp.stats()).toMatchObject({ queued: 0, sent: 2, dropped: { rejected: 1 } });
  });

  it('drops a batch the collector rejects outright instead of blocking the queue', async () => {
    const { sent, transport } = recorder(400);
    const tp = make(transport, { maxBatchEvents: 1 });
    tp.track('bad');
    tp.track('good');
    await tp.flush();
    expect(sent.map((r) => r.batch[0]!.type === 'track' && (r.batch[0] as any).event)).toEqual(['bad', 'good']);
    expect(tp.stats()).toMatchObject({ queued: 0, sent: 1, dropped: { rejected: 1 } });
  });

  it('persists events before sending: a new page sends what the last one left', async () => {
    const down = recorder(0);
    const first = make(down.transport);
    first.track('left behind');
    await first.flush();
    expect(first.stats().queued).toBe(1);
    const up = recorder();
    make(up.transport);
    await settle();
    expect(up.ids()).toEqual(down.ids());
  });

  it("never lets two tabs on one store overwrite each other's pending events", async () => {
    const down = recorder(0, 0, 0, 0);
    const tabA = make(down.transport);
    const tabB = make(down.transport);
    await settle();
    tabA.track('from A');
    tabB.track('from B');
    tabA.track('from A again');
    await tabA.flush();
    await tabB.flush();
    // Both tabs are closed; the next page finds every one of their events.
    const up = recorder();
    make(up.transport);
    await settle();
    expect(up.sent.flatMap((r) => r.batch.map((e: any) => e.event)).sort()).toEqual(['from A', 'from A again', 'from B']);
  });

  it('with a shared send lock, tabs sending at once never send one event twice', async () => {
    // The Web Locks API's guarantee, in process: one task at a time, in the order asked.
    let tail = Promise.resolve();
    const lock = <T>(task: () => Promise<T>) => {
      const run = tail.then(task);
      tail = run.then(
        () => {},
        () => {},
      );
      return run;
    };
    const { transport, ids } = recorder();
    // A transport slow enough that both tabs' sends overlap.
    const slow: Transport = async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return transport(request);
    };
    const tabs = [make(slow, { lock, flushAt: 1000 }), make(slow, { lock, flushAt: 1000 })];
    await settle();
    for (let i = 0; i < 30; i++) tabs[i % 2]!.track(`e${i}`);
    await settle();
    const flushing = Promise.all(tabs.map((tab) => tab.flush()));
    await vi.advanceTimersByTimeAsync(1000);
    await flushing;
    expect(ids()).toHaveLength(30);
    expect(new Set(ids()).size).toBe(30);
    // Without the lock both tabs adopt each other's stored events and send them again.
    const unlocked = recorder();
    const pair = [make(unlocked.transport, { flushAt: 1000 }), make(unlocked.transport, { flushAt: 1000 })];
    await settle();
    for (let i = 0; i < 10; i++) pair[i % 2]!.track(`f${i}`);
    await settle();
    await Promise.all(pair.map((tab) => tab.flush()));
    expect(unlocked.ids().length).toBeGreaterThan(10);
  });

  it("a closed tab's unsent events are sent by another open tab when it next sends", async () => {
    const closing = make(recorder(0).transport, { flushAt: 1000 });
    const { transport, sent } = recorder();
    const open = make(transport, { flushAt: 1000 });
    await settle();
    closing.track('left behind');
    await closing.flush(); // offline: stays stored when the tab goes away
    open.track('later');
    await open.flush();
    expect(sent.flatMap((r) => r.batch.map((e) => (e as { event?: string }).event))).toEqual(['left behind', 'later']);
  });

  it('flushes with keepalive when the page is hidden, and right away when back online', async () => {
    let hidden = () => {};
    let online = () => {};
    const { sent, transport } = recorder(0);
    const tp = make(transport, { lifecycle: { onHidden: (cb) => (hidden = cb), onResume: (cb) => (online = cb) } });
    tp.track('a');
    await settle();
    hidden();
    await settle();
    expect(sent.map((r) => r.keepalive)).toEqual([true]);
    online(); // no waiting for the backoff
    await settle();
    expect(sent).toHaveLength(2);
    expect(tp.stats().queued).toBe(0);
  });

  it('sends at once on hide, beside a request still in flight, and each event once', async () => {
    let hidden = () => {};
    const sent: { keepalive: boolean; events: string[] }[] = [];
    let answerFirst: (r: TransportResponse) => void = () => {};
    const transport: Transport = ({ body, keepalive }) => {
      sent.push({ keepalive, events: JSON.parse(body).batch.map((e: { event: string }) => e.event) });
      return sent.length === 1 ? new Promise((resolve) => (answerFirst = resolve)) : Promise.resolve({ status: 200 });
    };
    const tp = make(transport, { lifecycle: { onHidden: (cb) => (hidden = cb), onResume: () => {} } });
    tp.track('a');
    const first = tp.flush(); // its request hangs
    await settle();
    tp.track('b');
    tp.track('c');
    hidden();
    await settle();
    // Without waiting for the first answer: b and c go now, and a is not sent twice.
    expect(sent).toEqual([
      { keepalive: false, events: ['a'] },
      { keepalive: true, events: ['b', 'c'] },
    ]);
    expect(tp.stats()).toMatchObject({ sent: 2, queued: 1 });
    answerFirst({ status: 200 });
    await first;
    expect(tp.stats()).toMatchObject({ sent: 3, queued: 0 });
    expect(sent).toHaveLength(2);
  });

  it('bounds the queue, dropping the oldest first and counting them', async () => {
    const { sent, transport } = recorder(0);
    const tp = make(transport, { maxQueueEvents: 3, flushAt: 100 });
    for (const name of ['1', '2', '3', '4', '5']) tp.track(name);
    await settle();
    expect(tp.stats()).toMatchObject({ queued: 3, dropped: { overflow: 2 } });
    await tp.flush();
    expect(sent.at(-1)!.batch.map((e: any) => e.event)).toEqual(['3', '4', '5']);
  });
});

describe('never throws into the host page', () => {
  it('ignores bad arguments', async () => {
    const { sent, transport } = recorder();
    const tp = make(transport);
    const loose = tp as any;
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => {
      loose.track();
      loose.track(123);
      loose.track('');
      loose.track('x', 'not an object');
      loose.track('x', [1]);
      loose.track('circular', circular);
      loose.track('huge', { blob: 'x'.repeat(40_000) });
      loose.identify(42);
      loose.group();
      loose.alias(null);
      loose.use(null);
      loose.page(5);
    }).not.toThrow();
    tp.track('fine');
    await tp.flush();
    expect(sent.flatMap((r) => r.batch.map((e: any) => e.event))).toEqual(['fine']);
    expect(tp.stats().dropped.invalid).toBe(2);
  });

  it('survives a throwing plugin, store and transport, and a missing write key', async () => {
    const broken: KeyValueStore = {
      get: () => Promise.reject(new Error('quota')),
      keys: () => Promise.reject(new Error('quota')),
      setMany: () => {
        throw new Error('sync quota');
      },
      delMany: () => {
        throw new Error('sync quota');
      },
    };
    const sent: string[] = [];
    const tp = make(
      async ({ body }) => {
        sent.push(body);
        throw new Error('network');
      },
      {
        store: broken,
        plugins: [
          {
            name: 'boom',
            enrich: () => {
              throw new Error('plugin bug');
            },
          },
        ],
      },
    );
    expect(() => tp.track('a')).not.toThrow();
    await expect(tp.flush()).resolves.toBeUndefined();
    expect(sent).toHaveLength(1);
    const off = createTracker({ uuid: uuid4 } as TrackerOptions);
    expect(() => off.track('x')).not.toThrow();
    await expect(off.flush()).resolves.toBeUndefined();
  });
});

describe('plugins', () => {
  it('enrich events in order and drop them by returning null', async () => {
    const { sent, transport } = recorder();
    const tp = make(transport);
    tp.use({ name: 'tag', enrich: (e) => ({ ...e, context: { ...e.context, tagged: true } }) });
    tp.use({ name: 'no-debug', enrich: (e) => (e.type === 'track' && e.event === 'debug' ? null : undefined) });
    tp.track('debug');
    tp.track('real');
    await tp.flush();
    expect(sent[0]!.batch).toHaveLength(1);
    expect(sent[0]!.batch[0]!.context).toMatchObject({ tagged: true });
    expect(tp.stats().dropped.plugin).toBe(1);
  });
});
