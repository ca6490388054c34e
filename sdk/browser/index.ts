import { createTracker as createCoreTracker, type Tracker, type TrackerOptions } from '../core/tracker';
import { pageContext } from './context';
import { browserLifecycle } from './lifecycle';
import { createBrowserStore } from './storage';
import { fetchTransport } from './transport';

/** Options for the browser: the platform parts default to IndexedDB, fetch and the page. */
export type BrowserTrackerOptions = Omit<TrackerOptions, 'transport'> & Partial<Pick<TrackerOptions, 'transport'>>;

export function createTracker(options: BrowserTrackerOptions): Tracker {
  try {
    return createCoreTracker({
      transport: fetchTransport(),
      store: createBrowserStore(),
      context: pageContext(),
      lifecycle: browserLifecycle(),
      ...options,
    });
  } catch {
    // Not a browser (server-side rendering, a worker without a document): a tracker that does nothing.
    return createCoreTracker({ ...options, transport: undefined as unknown as TrackerOptions['transport'] });
  }
}

export { backoff, createMemoryStore, VERSION } from '../core/index';
export { checkoutStarted, orderCompleted, orderRefunded, productAdded, productRemoved, productViewed, type Order, type Product } from '../core/ecommerce';
export type { Attribution, Touch } from '../core/attribution';
export type { Session } from '../core/session';
export { attributionPlugin } from './plugins/attribution';
export { clicksPlugin } from './plugins/clicks';
export { consentPlugin, type ConsentOptions } from './plugins/consent';
export { maskingPlugin, maskPii, type MaskingOptions } from '../core/masking';
export { pageViewsPlugin } from './plugins/page-views';
export { sessionPlugin } from './plugins/session';
export { webVitalsPlugin } from './plugins/web-vitals';
export type {
  BackoffOptions,
  KeyValueStore,
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
