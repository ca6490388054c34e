import type { Context } from '../protocol/types';

/** The page context of each call; the parts that cannot change while the page lives are read once. */
export function pageContext(): () => Context {
  const fixed = {
    locale: navigator.language,
    userAgent: navigator.userAgent,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    screen: { width: screen.width, height: screen.height, density: devicePixelRatio },
  };
  return () => ({
    ...fixed,
    page: {
      url: location.href,
      path: location.pathname,
      search: location.search,
      referrer: document.referrer,
      title: document.title,
    },
  });
}
