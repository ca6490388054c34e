import { afterEach, describe, expect, it } from 'vitest';
import { neverFailingStore } from '../core/store';
import { findHost, type Platform } from './host';
import { createMiniStore } from './storage';
import { FakeRuntime, FakeStorage } from './testing/fake-runtime';

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

function storeOn(platform: Platform, storage = new FakeStorage(platform)) {
  uninstall?.();
  const runtime = new FakeRuntime({ platform, appId: 'app', domains: [], launch: { path: 'p', scene: 1001 }, storage });
  uninstall = runtime.install();
  return { store: createMiniStore(findHost()!), storage, runtime };
}
const item = (i: number, size = 100) => ({ id: `m${i}`, json: JSON.stringify({ i, pad: 'x'.repeat(size) }), bytes: size + 20 });
const key = (i: number) => `tp:v1:queue:wk:${String(i).padStart(6, '0')}`;

describe('createMiniStore', () => {
  it('packs queued events into chunk keys: a burst is one write, not one per event', async () => {
    const { store, storage } = storeOn('wechat');
    await store.setMany([...Array(30).keys()].map((i) => [key(i), item(i)]));
    expect(storage.writes).toBe(1);
    expect([...storage.items.keys()]).toEqual(['tp:v1:chunk:0']);
    await store.setMany([['tp:v1:anon', 'a1']]);
    expect(storage.get('tp:v1:anon').data).toBe('a1');
  });

  it('gives back every entry after the JavaScript is gone (a new store on the same storage)', async () => {
    const { store, storage } = storeOn('alipay');
    await store.setMany([...Array(10).keys()].map((i) => [key(i), item(i)]));
    await store.setMany([['tp:v1:user', { userId: 'u1' }]]);
    await store.delMany([key(3), key(4)]);
    const again = storeOn('alipay', storage).store;
    expect((await again.keys('tp:v1:queue:wk:')).sort()).toEqual([0, 1, 2, 5, 6, 7, 8, 9].map(key));
    expect(await again.get(key(7))).toEqual(item(7));
    expect(await again.get('tp:v1:user')).toEqual({ userId: 'u1' });
  });

  it("keeps every chunk under Alipay's 200 KB per key, and empties chunks whose events are all sent", async () => {
    const { store, storage } = storeOn('alipay');
    await store.setMany([...Array(60).keys()].map((i) => [key(i), item(i, 10_000)]));
    const chunks = [...storage.items].filter(([k]) => k.startsWith('tp:v1:chunk:'));
    expect(chunks.length).toBeGreaterThan(5);
    for (const [, text] of chunks) expect(text.length).toBeLessThan(200 * 1024);
    expect((await storeOn('alipay', storage).store.keys('tp:v1:queue:')).length).toBe(60);
    await storeOn('alipay', storage).store.delMany([...Array(60).keys()].map(key));
    expect([...storage.items.keys()].filter((k) => k.startsWith('tp:v1:chunk:'))).toEqual([]);
  });

  it('reports a write the host refuses (its 10 MB), so the queue keeps the event in memory', async () => {
    const { store, storage } = storeOn('wechat');
    // The app's own data fills the storage.
    for (let i = 0; i < 10; i++) expect(storage.set(`app:${i}`, 'y'.repeat(1_040_000))).toBeUndefined();
    expect(storage.set('app:more', 'y'.repeat(100_000))).toEqual({ errMsg: 'setStorage:fail exceed storage max size 10MB' });
    await expect(store.setMany([[key(1), item(1, 200_000)]])).rejects.toMatchObject({ errMsg: expect.stringContaining('10MB') });
    expect(await neverFailingStore(store).setMany([[key(2), item(2, 200_000)]])).toBe(false);
    expect(await store.get(key(1))).toEqual(item(1, 200_000)); // still in memory
  });
});

describe('the fake runtime storage (its fidelity)', () => {
  it('has each platform limits and error shapes, sync and async', async () => {
    const wechat = new FakeRuntime({ platform: 'wechat', appId: 'a', domains: [], launch: { path: 'p', scene: 1001 } });
    const alipay = new FakeRuntime({ platform: 'alipay', appId: 'a', domains: [], launch: { path: 'p', scene: '1001' } });
    expect(() => wechat.globals.wx.setStorageSync('big', 'z'.repeat(1024 * 1024 + 1))).toThrow('setStorageSync:fail entry size limit reached');
    expect(() => alipay.globals.my.setStorageSync({ key: 'big', data: 'z'.repeat(200 * 1024 + 1) })).toThrow('data长度超限');
    wechat.globals.wx.setStorageSync('k', { a: 1 });
    expect(wechat.globals.wx.getStorageSync('k')).toEqual({ a: 1 });
    expect(wechat.globals.wx.getStorageSync('missing')).toBe('');
    alipay.globals.my.setStorageSync({ key: 'k', data: { a: 1 } });
    expect(alipay.globals.my.getStorageSync({ key: 'k' })).toEqual({ data: { a: 1 } });
    const failed = await new Promise((resolve) => alipay.globals.my.setStorage({ key: 'big', data: 'z'.repeat(210_000), fail: resolve }));
    expect(failed).toEqual({ error: 14, errorMessage: 'data长度超限' });
    const missing = await new Promise((resolve) => wechat.globals.wx.getStorage({ key: 'missing', fail: resolve }));
    expect(missing).toEqual({ errMsg: 'getStorage:fail data not found' });
    const alipayMissing = await new Promise((resolve) => alipay.globals.my.getStorage({ key: 'missing', success: resolve }));
    expect(alipayMissing).toEqual({ data: null });
  });
});
