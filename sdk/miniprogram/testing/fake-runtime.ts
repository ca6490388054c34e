/**
 * A fake mini-program runtime for tests (not shipped): the globals `wx` / `my` / `tt`, `App`,
 * `Page`, `Component`, `getApp`, `getCurrentPages`, a page stack, storage, `request` over real
 * loopback HTTP, app show / hide with the platform's suspension, launch options and network status,
 * and `kill()`, which drops the JavaScript state and keeps the storage.
 *
 * What it models, and where the platforms document it:
 * - storage: values kept serialised (a read returns a copy); per key 1 MB on WeChat and Douyin,
 *   200 KB on Alipay, 10 MB in all (wx.setStorage, tt.setStorage, my.setStorage). Errors in each
 *   platform's shape: WeChat and Douyin `fail({ errMsg })` (and a thrown Error from the sync
 *   calls), Alipay `fail({ error: 14 | 12, errorMessage })`. Alipay's sync calls take an object
 *   (`my.getStorageSync({ key })` returns `{ data }`). A missing key: WeChat and Douyin `fail`,
 *   Alipay `success({ data: null })`. A write reaches storage when called (the native side has
 *   it); its callback comes later, and is lost if the app is killed first.
 * - request: WeChat and Douyin answer any HTTP status through `success({ statusCode, header, data })`;
 *   Alipay answers 2xx through `success({ status, headers, data })` and others through
 *   `fail({ error: 19, errorMessage, status, headers, data })` (opendocs.alipay.com/mini/api/owycmh);
 *   at most 10 requests at once (wx.request's documented limit; the 11th fails here); only the
 *   domains of the allowlist (the "request 合法域名"); the Referer each platform sets and no Origin
 *   or cookies: WeChat `https://servicewechat.com/{appid}/{version}/page-frame.html`, Alipay
 *   `https://{appid}.hybrid.alipay-eco.com/{appid}/{version}/page-frame.html`, Douyin
 *   `https://tmaservice.developer.toutiao.com/?appid={appid}&version={version}`. Real hosts require
 *   https; here the collector listens on plain http on 127.0.0.1.
 * - hide: the page's onHide, App.onHide, then `onAppHide` listeners; JavaScript is suspended
 *   `suspendAfterMs` later (about 5 s on the platforms): timers and callbacks wait for the next show.
 * - scene: a number on WeChat, a string on Alipay and Douyin, as their launch options give it.
 */
import { request as httpRequest } from 'undici';
import type { Platform } from '../host';

export interface Launch {
  path: string;
  query?: Record<string, string>;
  /** As the platform gives it: WeChat 1007, Alipay '1007', Douyin '021001'. */
  scene: number | string;
  referrerInfo?: { appId: string };
}

type Dict = Record<string, any>;
type PageOptions = Dict;

const KB = 1024;
const LIMITS: Record<Platform, { key: number; total: number }> = {
  wechat: { key: 1024 * KB, total: 10 * 1024 * KB },
  alipay: { key: 200 * KB, total: 10 * 1024 * KB },
  douyin: { key: 1024 * KB, total: 10 * 1024 * KB },
};
const GLOBAL: Record<Platform, 'wx' | 'my' | 'tt'> = { wechat: 'wx', alipay: 'my', douyin: 'tt' };

/** Storage that outlives the JavaScript of one launch. */
export class FakeStorage {
  readonly items = new Map<string, string>();
  writes = 0;
  constructor(readonly platform: Platform) {}
  size() {
    let bytes = 0;
    for (const [k, v] of this.items) bytes += k.length + v.length;
    return bytes;
  }
  /** Stores `data`, or returns the platform's error. */
  set(key: string, data: unknown): Dict | undefined {
    const alipay = this.platform === 'alipay';
    if (typeof key !== 'string' || key === '')
      return alipay ? { error: 2, errorMessage: '必填参数为空' } : { errMsg: 'setStorage:fail parameter error: key should not be empty' };
    const text = JSON.stringify(data === undefined ? null : data);
    const { key: perKey, total } = LIMITS[this.platform];
    if (text.length > perKey) return alipay ? { error: 14, errorMessage: 'data长度超限' } : { errMsg: 'setStorage:fail entry size limit reached' };
    const old = this.items.get(key);
    if (this.size() - (old ? key.length + old.length : 0) + key.length + text.length > total) {
      return alipay ? { error: 12, errorMessage: '存储总大小达到上限' } : { errMsg: 'setStorage:fail exceed storage max size 10MB' };
    }
    this.items.set(key, text);
    this.writes++;
    return undefined;
  }
  get(key: string): { found: boolean; data: unknown } {
    const text = this.items.get(key);
    return text === undefined ? { found: false, data: undefined } : { found: true, data: JSON.parse(text) };
  }
}

export interface FakeRuntimeOptions {
  platform: Platform;
  appId: string;
  /** Hosts (host:port) the app may request. */
  domains: string[];
  launch: Launch;
  storage?: FakeStorage;
  online?: boolean;
  /** The platform suspends JavaScript this long after hide. */
  suspendAfterMs?: number;
  /** How long an answer takes to reach the app after the server sent it (the network's way back). */
  latencyMs?: number;
  version?: string;
}

export interface SentRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  status?: number;
  /** The response body, as the server sent it (whether or not the app lived to read it). */
  response?: string;
}

/**
 * One launch of a mini-program. `globals` are what the app's code sees; `kill()` ends the launch,
 * and a new FakeRuntime with the same `storage` is the next one.
 */
export class FakeRuntime {
  readonly platform: Platform;
  readonly storage: FakeStorage;
  readonly requests: SentRequest[] = [];
  readonly globals: Dict;
  maxConcurrent = 0;
  private inflight = 0;
  private online: boolean;
  private dead = false;
  private suspended = false;
  private held: (() => void)[] = [];
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private suspendTimer: ReturnType<typeof setTimeout> | undefined;
  private listeners = { show: [] as ((o: Dict) => void)[], hide: [] as (() => void)[], network: [] as ((r: Dict) => void)[] };
  private app: Dict | undefined;
  private pageDefs = new Map<string, { options: PageOptions; component: boolean }>();
  private stack: Dict[] = [];
  private enter: Launch;
  private pending = new Set<Promise<unknown>>();
  /** Called as each request leaves (tests use it to kill the app at a chosen moment). */
  onRequest?: (request: SentRequest) => void;
  /** Page code to run when a route is first opened (what the page's JS file does: call Page()). */
  pageLoaders = new Map<string, () => void>();
  private loadingRoute = '';

  constructor(private readonly options: FakeRuntimeOptions) {
    this.platform = options.platform;
    this.storage = options.storage ?? new FakeStorage(options.platform);
    this.online = options.online ?? true;
    this.enter = options.launch;
    this.globals = {
      [GLOBAL[this.platform]]: this.api(),
      App: (appOptions: Dict) => void (this.app = appOptions),
      Page: (pageOptions: PageOptions) => this.pageDefs.set(this.loadingRoute, { options: pageOptions, component: false }),
      Component: (componentOptions: Dict) => this.pageDefs.set(this.loadingRoute, { options: componentOptions, component: true }),
      getApp: () => this.app,
      getCurrentPages: () => [...this.stack],
      setTimeout: (fn: () => void, ms?: number) => this.timer(fn, ms),
      clearTimeout: (id: ReturnType<typeof setTimeout>) => {
        clearTimeout(id);
        this.timers.delete(id);
      },
    };
  }

  // ── the JavaScript side: callbacks run only while the app is alive and not suspended ──

  private deliver(fn: () => void) {
    if (this.dead) return;
    if (this.suspended) this.held.push(fn);
    else fn();
  }
  private later(fn: () => void, ms = 1) {
    this.timer(fn, ms);
  }
  private timer(fn: () => void, ms = 0) {
    const id = setTimeout(() => {
      this.timers.delete(id);
      this.deliver(fn);
    }, ms);
    this.timers.add(id);
    return id;
  }

  private api(): Dict {
    const alipay = this.platform === 'alipay';
    const dead = () => this.dead;
    const platform = this.platform;
    const storage = this.storage;
    const scene = (launch: Launch) => (this.platform === 'wechat' ? Number(launch.scene) : String(launch.scene));
    const options = (launch: Launch) => ({ path: launch.path, query: { ...launch.query }, scene: scene(launch), referrerInfo: { ...launch.referrerInfo } });
    const system = {
      wechat: {
        brand: 'Apple',
        model: 'iPhone 15',
        system: 'iOS 17.2',
        platform: 'ios',
        pixelRatio: 3,
        screenWidth: 393,
        screenHeight: 852,
        language: 'zh_CN',
        version: '8.0.47',
        SDKVersion: '3.3.4',
      },
      alipay: {
        brand: 'HUAWEI',
        model: 'ALN-AL00',
        system: 'Android 12',
        platform: 'Android',
        pixelRatio: 3,
        screenWidth: 412,
        screenHeight: 915,
        language: 'zh-Hans',
        version: '10.5.86',
        SDKVersion: '2.9.11',
        app: 'alipay',
      },
      douyin: {
        brand: 'Xiaomi',
        model: '23127PN0CC',
        system: 'Android 14',
        platform: 'android',
        pixelRatio: 2.75,
        screenWidth: 393,
        screenHeight: 873,
        language: 'zh_CN',
        version: '29.1.0',
        SDKVersion: '3.20.0',
        appName: 'Douyin',
      },
    }[this.platform];
    const networkType = () => (this.online ? 'wifi' : alipay ? 'NOTREACHABLE' : 'none');
    const fail = (o: Dict, res: Dict) => this.later(() => o.fail?.(res));
    const ok = (o: Dict, res: Dict) => this.later(() => o.success?.(res));
    const api: Dict = {
      setStorage(o: Dict) {
        if (dead()) return;
        const error = storage.set(o.key, o.data);
        if (error) fail(o, error);
        else ok(o, alipay ? { success: true } : { errMsg: 'setStorage:ok' });
      },
      getStorage(o: Dict) {
        const { found, data } = storage.get(o.key);
        if (found) ok(o, { data, errMsg: 'getStorage:ok' });
        else if (alipay) ok(o, { data: null });
        else fail(o, { errMsg: 'getStorage:fail data not found' });
      },
      removeStorage(o: Dict) {
        if (dead()) return;
        storage.items.delete(o.key);
        ok(o, {});
      },
      getStorageInfo(o: Dict) {
        ok(o, { keys: [...storage.items.keys()], currentSize: Math.ceil(storage.size() / KB), limitSize: LIMITS[platform].total / KB });
      },
      request: (o: Dict) => this.request(o),
      onAppShow: (cb: (o: Dict) => void) => this.listeners.show.push(cb),
      offAppShow: (cb: (o: Dict) => void) => (this.listeners.show = this.listeners.show.filter((l) => l !== cb)),
      onAppHide: (cb: () => void) => this.listeners.hide.push(cb),
      offAppHide: (cb: () => void) => (this.listeners.hide = this.listeners.hide.filter((l) => l !== cb)),
      onNetworkStatusChange: (cb: (r: Dict) => void) => this.listeners.network.push(cb),
      getNetworkType: (o: Dict) => ok(o, alipay ? { networkAvailable: this.online, networkType: networkType() } : { networkType: networkType() }),
      getLaunchOptionsSync: () => options(this.options.launch),
      getSystemInfoSync: () => ({ ...system }),
    };
    if (alipay) {
      api.getStorageSync = ({ key }: Dict) => ({ data: storage.get(key).found ? storage.get(key).data : null });
      api.setStorageSync = ({ key, data }: Dict) => {
        const error = storage.set(key, data);
        if (error) throw Object.assign(new Error(error.errorMessage), error);
        return { success: true };
      };
      api.getAccountInfoSync = () => ({ miniProgram: { appId: this.options.appId, envVersion: 'release', version: this.options.version ?? '1.0.0' } });
    } else {
      api.getStorageSync = (key: string) => (storage.get(key).found ? storage.get(key).data : '');
      api.setStorageSync = (key: string, data: unknown) => {
        const error = storage.set(key, data);
        if (error) throw new Error(error.errMsg.replace('setStorage', 'setStorageSync'));
      };
    }
    if (this.platform === 'wechat') {
      api.getEnterOptionsSync = () => options(this.enter);
      api.getAccountInfoSync = () => ({ miniProgram: { appId: this.options.appId, envVersion: 'release', version: this.options.version ?? '1.0.0' } });
    }
    if (this.platform === 'douyin')
      api.getEnvInfoSync = () => ({ microapp: { appId: this.options.appId, mpVersion: this.options.version ?? '1.0.0', envType: 'production' } });
    return api;
  }

  private referer() {
    const { appId, version = '1.0.0' } = this.options;
    if (this.platform === 'wechat') return `https://servicewechat.com/${appId}/${version}/page-frame.html`;
    if (this.platform === 'alipay') return `https://${appId}.hybrid.alipay-eco.com/${appId}/${version}/page-frame.html`;
    return `https://tmaservice.developer.toutiao.com/?appid=${appId}&version=${version}`;
  }

  private request(o: Dict) {
    if (this.dead) return { abort() {} };
    const alipay = this.platform === 'alipay';
    const failWith = (wechat: string, error: number, errorMessage: string) =>
      this.later(() => o.fail?.(alipay ? { error, errorMessage } : { errMsg: `request:fail ${wechat}` }));
    let host = '';
    try {
      host = new URL(o.url).host;
    } catch {
      return failWith('invalid url', 2, '参数错误');
    }
    if (!this.options.domains.includes(host)) return failWith('url not in domain list', 11, '无权跨域调用');
    if (!this.online) return failWith('', 12, '网络出错');
    if (this.inflight >= 10) return failWith('exceed max concurrent request count 10', 20, '请求已被停止');
    this.inflight++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.inflight);
    const given = (alipay ? o.headers : o.header) ?? {};
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...given,
      referer: this.referer(),
      'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) MiniProgram',
    };
    const body = typeof o.data === 'string' ? o.data : JSON.stringify(o.data ?? {});
    const record: SentRequest = { url: o.url, headers, body };
    this.requests.push(record);
    this.onRequest?.(record);
    const done = httpRequest(o.url, { method: o.method ?? 'GET', headers, body, headersTimeout: o.timeout ?? 60_000 })
      .then(async (res) => {
        const text = await res.body.text();
        record.status = res.statusCode;
        record.response = text;
        const header = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : `${v}`]));
        if (this.options.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));
        this.deliver(() => {
          this.inflight--;
          if (!alipay) o.success?.({ statusCode: res.statusCode, header, data: text, errMsg: 'request:ok' });
          else if (res.statusCode >= 200 && res.statusCode < 300) o.success?.({ status: res.statusCode, headers: header, data: text });
          else o.fail?.({ error: 19, errorMessage: 'http status error', status: res.statusCode, headers: header, data: text });
        });
      })
      .catch(() => this.deliver(() => (this.inflight--, failWith('', 12, '网络出错'))));
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
    return { abort() {} };
  }

  // ── what the user and the platform do ──

  /** Runs the app's code (`app.js`), then App.onLaunch / onShow and the first page. */
  start(runApp: () => void) {
    runApp();
    const launch = this.launchOptions(this.options.launch);
    this.app?.onLaunch?.call(this.app, launch);
    this.app?.onShow?.call(this.app, launch);
    for (const listener of [...this.listeners.show]) listener(launch);
    this.open(this.options.launch.path, this.options.launch.query ?? {});
  }

  private launchOptions(launch: Launch) {
    return {
      path: launch.path,
      query: { ...launch.query },
      scene: this.platform === 'wechat' ? Number(launch.scene) : String(launch.scene),
      referrerInfo: { ...launch.referrerInfo },
    };
  }

  private open(route: string, query: Record<string, string>) {
    if (!this.pageDefs.has(route)) {
      this.loadingRoute = route;
      this.pageLoaders.get(route)?.();
    }
    const def = this.pageDefs.get(route);
    if (!def) throw new Error(`no page ${route}`);
    const methods = def.component ? (def.options.methods ?? {}) : def.options;
    const page: Dict = {
      ...methods,
      data: structuredClone(def.options.data ?? {}),
      route,
      options: { ...query },
      setData(d: Dict) {
        Object.assign(this.data, d);
      },
    };
    if (this.platform === 'wechat') page.__route__ = route;
    this.stack.push(page);
    page.onLoad?.call(page, { ...query });
    page.onShow?.call(page);
    page.onReady?.call(page);
    return page;
  }

  private top() {
    return this.stack[this.stack.length - 1];
  }

  navigateTo(url: string) {
    const [route, search = ''] = url.replace(/^\//, '').split('?');
    this.top()?.onHide?.call(this.top());
    return this.open(route!, Object.fromEntries(new URLSearchParams(search)));
  }

  navigateBack() {
    const leaving = this.stack.pop();
    leaving?.onUnload?.call(leaving);
    this.top()?.onShow?.call(this.top());
  }

  /** A tap on an element whose `bindtap` is `handler`. */
  tap(handler: string, target: { id?: string; dataset?: Dict } = {}) {
    const page = this.top()!;
    const event = {
      type: 'tap',
      timeStamp: Date.now(),
      currentTarget: { id: target.id ?? '', dataset: target.dataset ?? {} },
      target: { id: target.id ?? '', dataset: target.dataset ?? {} },
      detail: { x: 10, y: 10 },
    };
    return page[handler].call(page, event);
  }

  /** The user shares the current page to a chat from the "…" menu: what the card will open. */
  shareToChat(): Dict {
    const page = this.top()!;
    const result = page.onShareAppMessage?.call(page, { from: 'menu' });
    return { path: `/${page.route}`, ...result };
  }

  /** The user leaves the app (home button, another app): it is suspended `suspendAfterMs` later. */
  hide() {
    const page = this.top();
    page?.onHide?.call(page);
    this.app?.onHide?.call(this.app);
    for (const listener of [...this.listeners.hide]) listener();
    this.suspendTimer = setTimeout(() => (this.suspended = true), this.options.suspendAfterMs ?? 5000);
  }

  /** Back to the front (with new entry options when opened from another card or code). */
  show(launch?: Launch) {
    clearTimeout(this.suspendTimer);
    this.suspended = false;
    if (launch) this.enter = launch;
    const options = this.launchOptions(this.enter);
    for (const fn of this.held.splice(0)) fn();
    this.app?.onShow?.call(this.app, options);
    for (const listener of [...this.listeners.show]) listener(options);
    const page = this.top();
    page?.onShow?.call(page);
  }

  /** The platform or the user ends the app: its JavaScript state is gone, its storage stays. */
  kill() {
    this.dead = true;
    clearTimeout(this.suspendTimer);
    for (const id of this.timers) clearTimeout(id);
    this.timers.clear();
    this.held = [];
  }

  setOnline(online: boolean) {
    this.online = online;
    const type = online ? 'wifi' : this.platform === 'alipay' ? 'NOTREACHABLE' : 'none';
    for (const listener of [...this.listeners.network]) this.deliver(() => listener({ isConnected: online, networkType: type }));
  }

  /** Resolves once every request made so far has been answered (callbacks delivered or dropped). */
  async settled() {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /**
   * Makes the globals visible to code imported in this process (the ESM build under test); Node's
   * own timers stay, so there `kill()` stops the host's answers but not the code's timers (the
   * CommonJS build run by `runMiniProgram` gets this runtime's timers too).
   */
  install() {
    const names = Object.keys(this.globals).filter((k) => k !== 'setTimeout' && k !== 'clearTimeout');
    for (const name of names) (globalThis as Dict)[name] = this.globals[name];
    return () => {
      for (const name of names) delete (globalThis as Dict)[name];
    };
  }

  get isDead() {
    return this.dead;
  }
}
