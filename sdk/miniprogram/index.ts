/**
 * Mini-program entry (WeChat, Alipay, Douyin): the same core as the browser, with the host's
 * storage, `request`, app show/hide and system info. Also built as one CommonJS file,
 * `dist/miniprogram/touchpoint.js`, for WeChat's "build npm" or copying into a project.
 */
import { createTracker as createCoreTracker, type Tracker, type TrackerOptions } from '../core/tracker';
import { miniContext } from './context';
import { findHost, type Platform } from './host';
import { miniLifecycle, watchNetwork } from './lifecycle';
import { createMiniStore } from './storage';
import { requestTransport } from './transport';

export interface MiniProgramTrackerOptions extends Omit<TrackerOptions, 'transport' | 'uuid'>, Partial<Pick<TrackerOptions, 'transport' | 'uuid'>> {
  /** Which host's API to use; by default the one present (`my`, then `tt`, then `wx`). */
  platform?: Platform;
}

// Mini-programs have no crypto.getRandomValues in sync form: ids from Math.random (not secrets).
const randomId = () =>
  'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
    const r = (Math.random() * 16) | 0;
    return (c === 'x' ? r : (r & 3) | 8).toString(16);
  });

export function createTracker(options: MiniProgramTrackerOptions): Tracker {
  try {
    const host = findHost(options?.platform)!;
    const network = watchNetwork(host);
    return createCoreTracker({
      transport: requestTransport(host, network.online),
      store: createMiniStore(host),
      context: miniContext(host, network),
      lifecycle: miniLifecycle(host, network),
      uuid: randomId,
      // A share of the 10 MB the app's own data lives in.
      maxQueueBytes: 1_000_000,
      ...options,
    });
  } catch {
    // No host API (server-side rendering of a Taro or uni-app page, a test): a tracker that does nothing.
    return createCoreTracker({ ...options, transport: undefined } as unknown as TrackerOptions);
  }
}

export { createMemoryStore, VERSION } from '../core/index';
export { checkoutStarted, orderCompleted, orderRefunded, productAdded, productRemoved, productViewed, type Order, type Product } from '../core/ecommerce';
export type { Attribution, Touch } from '../core/attribution';
export type { Platform } from './host';
export { attributionPlugin } from './plugins/attribution';
export { lifecyclePlugin } from './plugins/lifecycle';
export { pagesPlugin, type PagesPlugin, type PagesOptions } from './plugins/pages';
export type { KeyValueStore, SafeStore, Lifecycle, Plugin, PluginHost, Tracker, TrackerOptions, TrackerStats, Transport } from '../core/index';
export type * from '../protocol/types';
