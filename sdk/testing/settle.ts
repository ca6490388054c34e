import type { Page } from '@playwright/test';
import type { TestCollector } from './test-collector';

/** How long one flush of a page may take: a stalled or failing collector keeps it pending. */
const FLUSH_WAIT_MS = 1000;

/**
 * Asks the script-tag SDK (`window.touchpoint`) in each page to send what it has queued, again
 * while that makes progress (an event queued as the last send left), then waits until the test
 * collector has been quiet for `quietMs`. Pages without the global (an SDK bundled by the site)
 * send on their own schedule.
 */
export async function flushPages(pages: readonly Page[], collector: Pick<TestCollector, 'idle'>, { quietMs = 50, rounds = 3 } = {}): Promise<void> {
  await Promise.all(
    pages.map(async (page) => {
      let before = Infinity;
      for (let round = 0; round < rounds; round++) {
        const queued = await page
          .evaluate(async (waitMs) => {
            const tp = (window as unknown as { touchpoint?: { flush?: () => Promise<void>; stats?: () => { queued?: number } | undefined } }).touchpoint;
            if (typeof tp?.flush !== 'function') return 0;
            await Promise.race([tp.flush(), new Promise((r) => setTimeout(r, waitMs))]);
            return tp.stats?.()?.queued ?? 0;
          }, FLUSH_WAIT_MS)
          .catch(() => 0); // a page navigating or closing has nothing more to say
        // Stop when all is sent, or when a send failed (the SDK retries on its own backoff).
        if (queued === 0 || queued >= before) break;
        before = queued;
      }
    }),
  );
  await collector.idle({ quietMs, timeout: FLUSH_WAIT_MS * 2 });
}
