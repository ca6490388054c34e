import type { BrowserContext } from '@playwright/test';

/**
 * Which tracking requests go to the test collector: `'auto'` — any request to a tracking path
 * (`/v1/batch`, Segment's `/v1/track` … `/v1/b`, `/v1/pixel/*`, `/beacon/v1/batch`) on any origin;
 * or the base URLs of the site's collectors (`['https://collect.example.com']`), whose SDK bundles
 * are served by the test collector too.
 */
export type TrackingEndpoints = 'auto' | string[];

/** The tracking paths of the collector's API. */
export const TRACKING_PATH = /^\/(?:v1\/(?:batch|track|page|screen|identify|group|alias|[tpsigab]|pixel\/\w+)|beacon\/v1\/batch)\/?$/;

/**
 * The test collector's URL for `url`, or null to leave it. Self-contained: the page runs it
 * from its source, so Node and the page follow the same rule.
 */
function rewriteUrl(url: URL, target: string, endpoints: TrackingEndpoints, trackingPath: RegExp): string | null {
  const to = new URL(target);
  if (url.origin === to.origin) return null;
  if (endpoints === 'auto') return trackingPath.test(url.pathname) ? `${to.origin}${url.pathname}${url.search}` : null;
  const here = url.origin + url.pathname;
  for (const base of endpoints) {
    const prefix = base.replace(/\/+$/, '');
    if (here === prefix || here.startsWith(`${prefix}/`)) return `${to.origin}${here.slice(prefix.length) || '/'}${url.search}`;
  }
  return null;
}

/**
 * Runs in every page before its own scripts: `fetch`, `sendBeacon` and XHR to a tracking endpoint
 * go to the test collector instead. Rewriting in the page (rather than only intercepting in the
 * browser) keeps what a page sends as it closes: Chromium does not pass the `keepalive` requests
 * of a closing page through Playwright's routing, and they would be lost.
 */
function installInPage({ target, endpoints, pathSource }: { target: string; endpoints: TrackingEndpoints; pathSource: string }, rewrite: typeof rewriteUrl) {
  const trackingPath = new RegExp(pathSource);
  const redirect = (input: string | URL): string | null => {
    try {
      return rewrite(new URL(String(input), location.href), target, endpoints, trackingPath);
    } catch {
      return null;
    }
  };
  const originalFetch = window.fetch;
  window.fetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
    const to = redirect(input instanceof Request ? input.url : input);
    if (to) input = input instanceof Request ? new Request(to, input) : to;
    return originalFetch.call(this, input, init);
  } as typeof fetch;
  const originalBeacon = navigator.sendBeacon?.bind(navigator);
  if (originalBeacon) navigator.sendBeacon = (url, data) => originalBeacon(redirect(url) ?? url, data);
  const originalOpen = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, method: string, url: string | URL, ...rest: unknown[]) {
    return (originalOpen as (...args: unknown[]) => void).call(this, method, redirect(url) ?? url, ...rest);
  } as typeof XMLHttpRequest.prototype.open;
}

/**
 * Sends a browser context's tracking to the test collector at `target`: in the page (fetch,
 * beacons, XHR) and, for what the page loads otherwise (script-tag bundles from a production
 * collector, pixels), through Playwright's routing.
 */
export async function redirectTracking(context: BrowserContext, target: string, endpoints: TrackingEndpoints): Promise<void> {
  // Both functions go as source text: no eval in the page, so a strict CSP does not stop it.
  const settings = JSON.stringify({ target, endpoints, pathSource: TRACKING_PATH.source });
  await context.addInitScript({ content: `(${installInPage.toString()})(${settings}, ${rewriteUrl.toString()});` });
  const rewrite = (url: URL) => rewriteUrl(url, target, endpoints, TRACKING_PATH);
  await context.route(
    (url) => rewrite(url) !== null,
    async (route) => {
      const to = rewrite(new URL(route.request().url()));
      if (!to) return route.fallback();
      try {
        await route.fulfill({ response: await route.fetch({ url: to }) });
      } catch {
        await route.abort('connectionfailed').catch(() => {});
      }
    },
  );
}
