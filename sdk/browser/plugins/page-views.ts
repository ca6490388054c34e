import type { Plugin, PluginHost } from '../../core/plugin';

/**
 * Page views, single-page apps included: one `page()` at start and one per route change
 * (`pushState`, `replaceState`, `popstate`, `hashchange`), never two for the same URL; and a
 * `Page Left` event with the time spent when the route changes or the page goes away.
 */
export function pageViewsPlugin({ pageLeave = true } = {}): Plugin {
  return {
    name: 'page-views',
    setup(tracker: PluginHost) {
      let url = location.href;
      let shownAt = Date.now();
      let path = location.pathname;
      const leave = () => {
        if (pageLeave) tracker.track('Page Left', { url, path, time_on_page_ms: Date.now() - shownAt });
      };
      const changed = () => {
        if (location.href === url) return;
        leave();
        url = location.href;
        path = location.pathname;
        shownAt = Date.now();
        tracker.page();
      };
      // History has no change event: wrap its two methods, once per page.
      for (const method of ['pushState', 'replaceState'] as const) {
        const original = history[method];
        history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
          const result = original.apply(this, args);
          changed();
          return result;
        };
      }
      addEventListener('popstate', changed);
      addEventListener('hashchange', changed);
      addEventListener('pagehide', leave);
      tracker.page();
    },
  };
}
