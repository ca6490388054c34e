/**
 * One interface over the three hosts' APIs (`wx`, `my`, `tt`). The differences it absorbs, from
 * the platforms' own documentation:
 * - request: WeChat and Douyin take `header` and answer every HTTP status through `success`
 *   (`statusCode`, `header`); Alipay takes `headers`, answers `status`/`headers`, and reports an
 *   HTTP error status through `fail` as `{ error: 19, status, headers }` (opendocs.alipay.com/mini/api/owycmh);
 * - storage: the asynchronous calls take the same `{ key, data, success, fail }` on all three (the
 *   synchronous ones differ: `my.getStorageSync({ key }).data` against `wx.getStorageSync(key)`), so
 *   the SDK uses the asynchronous ones; a key holds 200 KB on Alipay (my.setStorage), 1 MB on
 *   WeChat and Douyin, 10 MB in all;
 * - scene: a number on WeChat, a string on Alipay ("1011") and Douyin ("021001"): made a number;
 * - the app id: `getAccountInfoSync().miniProgram.appId` (WeChat, Alipay), `getEnvInfoSync().microapp.appId` (Douyin).
 */
export type Platform = 'wechat' | 'alipay' | 'douyin';

export interface EnterOptions {
  path: string;
  query: Record<string, string>;
  scene: number;
  referrerAppId?: string;
}

type Callback<T> = (result: T) => void;

/** What the adapter passes to `request` (Alipay's `headers`, the others' `header`). */
export interface RequestOptions {
  url: string;
  method: 'POST';
  data: string;
  timeout: number;
  header?: Record<string, string>;
  headers?: Record<string, string>;
  success: Callback<{ statusCode?: number; status?: number; header?: object; headers?: object }>;
  fail: Callback<{ status?: number; headers?: object; errMsg?: string }>;
}

/**
 * The slice of `wx` / `my` / `tt` the SDK calls; `host.test.ts` checks it against WeChat's own
 * typings (miniprogram-api-typings). Alipay's and Douyin's differences are in the types here.
 */
export interface HostApi {
  request(options: RequestOptions): unknown;
  getStorage(options: { key: string; success?: Callback<{ data: unknown }>; fail?: Callback<unknown> }): void;
  setStorage(options: { key: string; data: unknown; success?: Callback<unknown>; fail?: Callback<unknown> }): void;
  removeStorage(options: { key: string; success?: Callback<unknown>; fail?: Callback<unknown> }): void;
  getStorageInfo(options: { success?: Callback<{ keys: string[] }>; fail?: Callback<unknown> }): void;
  onAppShow?(callback: Callback<RawEnterOptions>): void;
  // The listener given to onAppShow: WeChat's typings give it another parameter type than
  // onAppShow's, so no type here accepts both.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  offAppShow?(callback: Callback<any>): void;
  onAppHide?(callback: () => void): void;
  offAppHide?(callback: () => void): void;
  onNetworkStatusChange?(callback: Callback<{ isConnected: boolean; networkType: string }>): void;
  getNetworkType?(options: { success?: Callback<{ networkType: string; networkAvailable?: boolean }> }): void;
  getLaunchOptionsSync?(): RawEnterOptions;
  getEnterOptionsSync?(): RawEnterOptions;
  getSystemInfoSync?(): Record<string, unknown>;
  getAccountInfoSync?(): { miniProgram?: { appId?: string; version?: string } };
  getEnvInfoSync?(): { microapp?: { appId?: string; mpVersion?: string } };
}

export interface RawEnterOptions {
  path?: string;
  query?: Record<string, unknown>;
  scene?: number | string;
  referrerInfo?: { appId?: string };
}

export interface Host {
  platform: Platform;
  api: HostApi;
  /** Largest value one storage key takes. */
  keyBytes: number;
  /** POSTs `body`; `done` gets the HTTP status (0: no answer) and the response headers. */
  post(url: string, body: string, done: (status: number, headers: Record<string, unknown>) => void): void;
}

declare const wx: HostApi | undefined;
declare const my: HostApi | undefined;
declare const tt: HostApi | undefined;

const global = (name: 'wx' | 'my' | 'tt'): HostApi | undefined => {
  try {
    // `typeof` guards the lookup: a missing global is a ReferenceError otherwise.
    return name === 'my'
      ? typeof my == 'object'
        ? my
        : undefined
      : name === 'tt'
        ? typeof tt == 'object'
          ? tt
          : undefined
        : typeof wx == 'object'
          ? wx
          : undefined;
  } catch {
    return undefined;
  }
};

/** The host of `platform`, or the one the globals show: `wx` last, as other hosts expose a `wx` shim. */
export function findHost(platform?: Platform): Host | undefined {
  const name = platform ? ({ wechat: 'wx', alipay: 'my', douyin: 'tt' } as const)[platform] : (['my', 'tt', 'wx'] as const).find((n) => global(n)?.request);
  const api = name && global(name);
  if (!api?.request) return undefined;
  const alipay = name === 'my';
  return {
    platform: alipay ? 'alipay' : name === 'tt' ? 'douyin' : 'wechat',
    api,
    keyBytes: alipay ? 200 * 1024 : 1024 * 1024,
    post(url, body, done) {
      const headers = { 'content-type': 'application/json' };
      api.request({
        url,
        method: 'POST',
        data: body,
        timeout: 10_000,
        ...(alipay ? { headers } : { header: headers }),
        success: (res) => done((alipay ? res.status : res.statusCode) ?? 0, { ...(alipay ? res.headers : res.header) }),
        // Alipay's HTTP errors come here with their status; a network failure has none.
        fail: (res) => done(alipay && res && res.status !== undefined && res.status >= 200 ? res.status : 0, { ...res?.headers }),
      });
    },
  };
}

/** Launch or enter options as one shape: a numeric scene, string query values. */
export function enterOptions(raw: RawEnterOptions | undefined): EnterOptions {
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw?.query ?? {})) if (value != null) query[key] = `${value}`;
  const scene = Number(raw?.scene);
  const appId = raw?.referrerInfo?.appId;
  return { path: `${raw?.path ?? ''}`, query, scene: scene >= 0 ? scene : 0, ...(appId && { referrerAppId: `${appId}` }) };
}

/** A header of a response, whatever the case its name came in. */
export const headerOf = (headers: Record<string, unknown>, name: string) => {
  for (const key in headers) if (key.toLowerCase() === name) return `${headers[key]}`;
  return null;
};
