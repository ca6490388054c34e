/**
 * `touchpoint/testing`: prove in Playwright that a site tracks what its tracking plan says.
 * Node only; `@playwright/test` is a peer dependency (needed for `test`, `expect` and replay).
 */
export { startTestCollector, type TestCollector, type TestCollectorOptions } from './test-collector';
export { test, expect, type Tracking, type TrackingTestOptions, type TrackingWorkerOptions } from './fixture';
export { trackingMatchers, type OrderedMatcher, type TrackingSource } from './matchers';
export { redirectTracking, type TrackingEndpoints } from './redirect';
export { TrackingTimeoutError, type RejectedRecord, type WaitOptions } from './recorder';
export type { EventMatcher, TrackedEvent } from './expectation';
export type { Fault, FaultOptions } from './faults';
export type * from '../protocol/types';
