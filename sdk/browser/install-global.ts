import type { Tracker } from '../core/tracker';
import type { BrowserTrackerOptions } from './index';

type Call = [method: string, ...args: unknown[]];
// The getters too: before `init` they answer undefined (and their replay at `init` reads, harmlessly).
const METHODS = ['init', 'track', 'page', 'screen', 'identify', 'alias', 'group', 'reset', 'flush', 'anonymousId', 'stats'] as const;

/**
 * Replaces the snippet's queue in `window.touchpoint` with the real API and replays the queued
 * calls in order; calls made before `init` wait for it. Nothing here throws into the page.
 */
export function installGlobal(create: (options: BrowserTrackerOptions) => Tracker): void {
  const w = window as unknown as { touchpoint?: unknown };
  const queued: Call[] = Array.isArray(w.touchpoint) ? (w.touchpoint as Call[]).slice() : [];
  let tracker: Tracker | undefined;
  const beforeInit: Call[] = [];

  function call([method, ...args]: Call): unknown {
    try {
      if (method === 'init') {
        if (!tracker) {
          tracker = create(args[0] as BrowserTrackerOptions);
          beforeInit.splice(0).forEach(call);
        }
        return undefined;
      }
      if (!tracker) {
        beforeInit.push([method, ...args]);
        return method === 'flush' ? Promise.resolve() : undefined;
      }
      const fn = (tracker as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
      return typeof fn === 'function' ? fn(...args) : undefined;
    } catch {
      return undefined; // the host page never sees our errors
    }
  }

  const api: Record<string, unknown> = {};
  for (const method of METHODS) api[method] = (...args: unknown[]) => call([method, ...args]);
  w.touchpoint = api;
  queued.forEach(call);
}
