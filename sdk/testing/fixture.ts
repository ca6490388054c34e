import { expect as baseExpect, test as base, type BrowserContext } from '@playwright/test';
import { trackingMatchers } from './matchers';
import { redirectTracking, type TrackingEndpoints } from './redirect';
import { flushPages } from './settle';
import { startTestCollector, type TestCollector, type TestCollectorOptions } from './test-collector';

/** The `tracking` fixture: a test collector, wired to the test's browser context. */
export interface Tracking extends Omit<TestCollector, 'close'> {
  /** Asks every page's script-tag SDK to send what it queued (unless `trackingFlush` is off), then waits until the collector is idle. */
  flush(): Promise<void>;
}

export interface TrackingTestOptions {
  /**
   * Which requests of the pages go to the test collector: `'auto'` (default) — tracking paths on
   * any origin; the base URLs of the site's production collectors (their SDK bundles too); or
   * `false`, when the page points at `tracking.url` itself.
   */
  trackingEndpoints: TrackingEndpoints | false;
  /**
   * Whether the matchers first ask the pages' SDK to send what it queued (default true), as a page
   * hide would. Turn it off to watch the SDK's own timing: batching, backoff, `Retry-After`.
   */
  trackingFlush: boolean;
}

export interface TrackingWorkerOptions {
  /** Options of each test collector: write keys, tracking plan, PII, bots… */
  trackingCollector: TestCollectorOptions;
  /** `'test'` (default): a collector per test; `'worker'`: one per worker, reset before each test. */
  trackingScope: 'test' | 'worker';
}

function wire(collector: TestCollector, context: BrowserContext, flushing: boolean): Tracking {
  const { close: _close, ...api } = collector;
  return {
    ...api,
    flush: () => (flushing ? flushPages(context.pages(), collector) : collector.idle({ quietMs: 50 }).then(() => {})),
  };
}

/**
 * Playwright's `test` with a `tracking` fixture. Each test gets a test collector (or the worker's,
 * reset); the context's tracking requests go to it; `expect(tracking)` has the tracking matchers.
 */
export const test = base.extend<TrackingTestOptions & { tracking: Tracking }, TrackingWorkerOptions & { _trackingWorkerCollector: TestCollector | undefined }>({
  trackingEndpoints: ['auto', { option: true }],
  trackingFlush: [true, { option: true }],
  trackingCollector: [{}, { option: true, scope: 'worker' }],
  trackingScope: ['test', { option: true, scope: 'worker' }],
  _trackingWorkerCollector: [
    async ({ trackingScope, trackingCollector }, use) => {
      if (trackingScope !== 'worker') return use(undefined);
      const collector = await startTestCollector(trackingCollector);
      await use(collector);
      await collector.close();
    },
    { scope: 'worker' },
  ],
  tracking: async ({ context, trackingEndpoints, trackingFlush, trackingCollector, _trackingWorkerCollector: shared }, use) => {
    const collector = shared ?? (await startTestCollector(trackingCollector));
    if (shared) {
      // What the previous test's pages were still sending lands before the slate is wiped.
      await shared.idle({ quietMs: 100, timeout: 2000 });
      shared.reset();
    }
    if (trackingEndpoints !== false) await redirectTracking(context, collector.url, trackingEndpoints);
    const tracking = wire(collector, context, trackingFlush);
    await use(tracking);
    if (!shared) await collector.close();
  },
});

/** Playwright's `expect` with `toHaveTracked`, `toHaveTrackedInOrder`, `toHaveTrackedTimes` and `toHaveNoInvalidEvents`. */
export const expect = baseExpect.extend(trackingMatchers);
