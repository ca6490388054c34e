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
      // The page as the tracker sees it (the browser entry reads \`location\`), by the tracker's clock.
      const current = () => tracker.context().page ?? {};
      let { url, path } = current();
      let shownAt = tracker.now();
      const leave = () => {
        if (pageLeave) tracker.track('Page Left', { url, path, time_on_page_ms: tracker.now() - shownAt });
      };
      const changed = () => {
        const page = current();
        if (page.url === url) return;
        leave();
        ({ url, path } = page);
        shownAt = tracker.now();
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
