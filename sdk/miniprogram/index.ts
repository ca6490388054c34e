/**
 * Mini-program entry (WeChat, Alipay, Douyin). Until the wx / my / tt adapters land in their own
 * issue, this exposes the platform-free core: pass a `transport` built on `wx.request` and a
 * `store` built on `wx.setStorage`.
 */
export { createMemoryStore, createTracker, VERSION } from '../core/index';
export type { KeyValueStore, SafeStore, Lifecycle, Plugin, Tracker, TrackerOptions, Transport } from '../core/index';
export type * from '../protocol/types';
