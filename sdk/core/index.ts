export { backoff, type BackoffOptions } from './backoff';
export type { DeliveryStats } from './delivery';
export type { Plugin, PluginHost } from './plugin';
export { createMemoryStore, type KeyValueStore, type SafeStore } from './store';
export { createTracker, type Lifecycle, type Tracker, type TrackerOptions, type TrackerStats } from './tracker';
export type { Transport, TransportRequest, TransportResponse } from './transport';
export { VERSION } from './version';
