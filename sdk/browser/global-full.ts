/**
 * The full script-tag build (`dist/touchpoint.full.min.js`): the core plus automatic capture,
 * each on by default and off with `init({ autocapture: { clicks: false, ... } })`: page views
 * (single-page apps included), clicks, form submits, channel attribution, sessions, the viewport
 * and Web Vitals.
 */
import type { Plugin } from '../core/plugin';
import { createTracker, type BrowserTrackerOptions } from './index';
import { installGlobal } from './install-global';
import { attributionPlugin } from './plugins/attribution';
import { clicksPlugin } from './plugins/clicks';
import { formsPlugin } from './plugins/forms';
import { pageViewsPlugin } from './plugins/page-views';
import { sessionPlugin } from './plugins/session';
import { viewportPlugin } from './plugins/viewport';
import { webVitalsPlugin } from './plugins/web-vitals';

type Autocapture = Partial<Record<'pageViews' | 'clicks' | 'forms' | 'attribution' | 'session' | 'viewport' | 'webVitals', boolean>>;

installGlobal((options: BrowserTrackerOptions & { autocapture?: Autocapture }) => {
  const on = { pageViews: true, clicks: true, forms: true, attribution: true, session: true, viewport: true, webVitals: true, ...options?.autocapture };
  // Attribution before session: a new campaign starts a new session.
  const plugins: Plugin[] = [];
  if (on.attribution) plugins.push(attributionPlugin());
  if (on.session) plugins.push(sessionPlugin());
  if (on.viewport) plugins.push(viewportPlugin());
  if (on.clicks) plugins.push(clicksPlugin());
  if (on.forms) plugins.push(formsPlugin());
  if (on.pageViews) plugins.push(pageViewsPlugin());
  if (on.webVitals) plugins.push(webVitalsPlugin());
  return createTracker({ ...options, plugins: [...plugins, ...(options?.plugins ?? [])] });
});
