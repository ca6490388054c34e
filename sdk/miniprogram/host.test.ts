/// <reference types="miniprogram-api-typings" />
import { describe, expect, it } from 'vitest';
import { enterOptions, headerOf, type HostApi } from './host';

describe('HostApi', () => {
  // Type-level (`tsc --noEmit`): the slice of the host API the SDK calls is one WeChat's own
  // typings (miniprogram-api-typings) satisfy, so every call the adapter makes exists with that shape.
  it("is a slice of WeChat's wx: every call the adapter makes, wx takes with that shape", () => {
    type Arg<K extends keyof HostApi> = Parameters<NonNullable<HostApi[K]>>[0];
    // Compiles only if each argument the adapter passes is one wx's own typing accepts.
    const calls = (wx: WechatMiniprogram.Wx) => ({
      request: (o: Arg<'request'>) => wx.request(o),
      getStorage: (o: Arg<'getStorage'>) => wx.getStorage(o),
      setStorage: (o: Arg<'setStorage'>) => wx.setStorage(o),
      removeStorage: (o: Arg<'removeStorage'>) => wx.removeStorage(o),
      getStorageInfo: (o: Arg<'getStorageInfo'>) => wx.getStorageInfo(o),
      onAppShow: (o: Arg<'onAppShow'>) => wx.onAppShow(o),
      offAppShow: (o: Arg<'offAppShow'>) => wx.offAppShow(o),
      onAppHide: (o: Arg<'onAppHide'>) => wx.onAppHide(o),
      offAppHide: (o: Arg<'offAppHide'>) => wx.offAppHide(o),
      onNetworkStatusChange: (o: Arg<'onNetworkStatusChange'>) => wx.onNetworkStatusChange(o),
      getNetworkType: (o: Arg<'getNetworkType'>) => wx.getNetworkType(o),
      launch: (): ReturnType<NonNullable<HostApi['getLaunchOptionsSync']>> => wx.getLaunchOptionsSync(),
      enter: (): ReturnType<NonNullable<HostApi['getEnterOptionsSync']>> => wx.getEnterOptionsSync(),
      account: (): ReturnType<NonNullable<HostApi['getAccountInfoSync']>> => wx.getAccountInfoSync(),
    });
    expect(Object.keys(calls({} as WechatMiniprogram.Wx))).toHaveLength(14);
  });
});

describe('enterOptions', () => {
  it('makes the scene a number: WeChat 1047, Alipay "1011", Douyin "021001"', () => {
    expect(enterOptions({ path: 'p', scene: 1047 }).scene).toBe(1047);
    expect(enterOptions({ path: 'p', scene: '1011' }).scene).toBe(1011);
    expect(enterOptions({ path: 'p', scene: '021001' }).scene).toBe(21001);
    expect(enterOptions({ path: 'p', scene: '0000' }).scene).toBe(0);
  });

  it('keeps query values as strings, the referring app id, and survives anything', () => {
    expect(enterOptions({ path: 'pages/a', query: { id: 7, ok: true, none: null }, referrerInfo: { appId: 'wxabc' } })).toEqual({
      path: 'pages/a',
      query: { id: '7', ok: 'true' },
      scene: 0,
      referrerAppId: 'wxabc',
    });
    for (const raw of [undefined, null, {}, { scene: 'abc' }, { scene: -5 }, { query: 'x' }, { path: 5 }, { referrerInfo: null }]) {
      const options = enterOptions(raw as never);
      expect(options.scene).toBeGreaterThanOrEqual(0);
      expect(typeof options.path).toBe('string');
    }
  });
});

describe('headerOf', () => {
  it('finds a header whatever the case the host gives its name in', () => {
    expect(headerOf({ 'Retry-After': '5' }, 'retry-after')).toBe('5');
    expect(headerOf({ 'retry-after': 2 }, 'retry-after')).toBe('2');
    expect(headerOf({}, 'retry-after')).toBeNull();
  });
});
