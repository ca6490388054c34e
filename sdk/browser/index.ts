import { createTracker as createCoreTracker, type Tracker, type TrackerOptions } from '../core/tracker';
import { pageContext } from './context';
import { browserLifecycle } from './lifecycle';
import { createBrowserStore, type BrowserStoreOptions } from './storage';
import { fetchTransport } from './transport';
import { uuid4 } from '../core/uuid';

/** Options for the browser: the platform parts default to IndexedDB, fetch and the page. */
export type BrowserTrackerOptions = Omit<TrackerOptions, 'transport' | 'uuid'> & Partial<Pick<TrackerOptions, 'transport' | 'uuid'>> & BrowserStoreOptions;

export function createTracker(options: BrowserTrackerOptions): Tracker {
  try {
    const locks = navigator.locks;
    return createCoreTracker({
      transport: fetchTransport(),
      uuid: uuid4,
      store: createBrowserStore(options),
      context: pageContext(),
      lifecycle: browserLifecycle(),
      // One sender at a time across the site's tabs (Web Locks: Chrome 69, Firefox 96, Safari 15.4).
      lock: locks && (<T>(task: () => Promise<T>) => locks.request('touchpoint', task) as Promise<T>),
      ...options,
    });
  } catch {
    // Not a browser (server-side rendering, a worker without a document): a tracker that does nothing.
    return createCoreTracker({ ...options, transport: undefined } as unknown as TrackerOptions);
  }
}

export { backoff, createMemoryStore, VERSION } from '../core/index';
export { checkoutStarted, orderCompleted, orderRefunded, productAdded, productRemoved, productViewed, type Order, type Product } from '../core/ecommerce';
export type { Attribution, Touch } from '../core/attribution';
export type { Session } from '../core/session';
export { attributionPlugin } from './plugins/attribution';
export { clicksPlugin } from './plugins/clicks';
export { consentPlugin, type ConsentOptions } from './plugins/consent';
export { formsPlugin } from './plugins/forms';
export { maskingPlugin, maskPii, type MaskingOptions } from '../core/masking';
export { pageViewsPlugin } from './plugins/page-views';
export { sessionPlugin } from './plugins/session';
export { viewportPlugin } from './plugins/viewport';
export { webVitalsPlugin } from './plugins/web-vitals';
export type {
  BackoffOptions,
  KeyValueStore,
  SafeStore,
  Lifecycle,
  Plugin,
  PluginHost,
  Tracker,
  TrackerOptions,
  TrackerStats,
  Transport,
  TransportRequest,
  TransportResponse,
} from '../core/index';
export type * from '../protocol/types';
