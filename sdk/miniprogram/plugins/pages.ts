import type { Plugin, PluginHost } from '../../core/plugin';
import type { SafeStore } from '../../core/store';
import { SHARE_PARAMS } from '../../protocol/attribution';
import { routeOf, urlOf } from '../context';
import { enterOptions, findHost, type Platform } from '../host';

type Options = Record<string, unknown>;
type Method = (this: PageInstance, ...args: unknown[]) => unknown;
interface PageInstance {
  route?: string;
  __route__?: string;
  options?: Record<string, unknown>;
}
interface TapEvent {
  type?: string;
  currentTarget?: { id?: string; dataset?: Record<string, unknown> };
}

export interface PagesOptions {
  /** Track taps on the page's handler methods as `Element Tapped` (default true). */
  taps?: boolean;
  /** Track shares and add the sharer and share depth to the shared path (default true). */
  share?: boolean;
  platform?: Platform;
}

export interface PagesPlugin extends Plugin {
  /** `Page(pages.wrapPage({ ... }))`: the same options, with the page's lifecycle and handlers observed. */
  wrapPage<T extends Options>(options: T): T;
  /** `Component(pages.wrapComponent({ ... }))`: a component used as a page (methods.onShow...), or its handlers. */
  wrapComponent<T extends Options>(options: T): T;
  /** Wrapped options go back to calling only the app's own code. */
  teardown(): void;
}

const SHARE_KEY = 'tp:v1:share';

/**
 * Page capture for mini-programs, through an explicit wrapper (nothing global is replaced):
 * a `page` event on each page show (name: the route; `path`, `query`, `url`), `Page Left` with the
 * time on page when it hides or unloads, `Share Sent` when a page is shared (its path then carries
 * the sharer's id, the share depth and the share's id, so that a launch from the card is
 * attributed to the sharer: share chains), and `Element Tapped` with the element's `dataset` when
 * a handler method receives a tap.
 */
export function pagesPlugin({ taps = true, share = true, platform }: PagesOptions = {}): PagesPlugin {
  let tracker: PluginHost | undefined;
  let active = true;
  // The depth of the share chain that brought this user (0: not from a share); kept across launches.
  let depth = 0;
  const shown = new WeakMap<object, { at: number; query: Record<string, unknown> }>();

  const pageOf = (page: PageInstance) => {
    const path = routeOf(page);
    const query = shown.get(page)?.query ?? page.options ?? {};
    return { path, query, url: urlOf(path, query) };
  };
  const leave = (page: PageInstance) => {
    const visit = shown.get(page);
    if (!visit || visit.at < 0) return;
    const { path, url } = pageOf(page);
    tracker!.track('Page Left', { path, url, time_on_page_ms: tracker!.now() - visit.at });
    visit.at = -1;
  };
  const sharerId = () => tracker!.userId() || tracker!.anonymousId() || '';
  // A shared card's query: the page's own, then who shared it, how deep, and this share's id.
  const shared = (query: string, channel: string, path: string) => {
    const id = `${tracker!.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const withShare = `${query ? `${query}&` : ''}${SHARE_PARAMS.sharer}=${encodeURIComponent(sharerId())}&${SHARE_PARAMS.depth}=${depth + 1}&${SHARE_PARAMS.id}=${id}`;
    tracker!.track('Share Sent', { channel, path: `${path}?${withShare}`, share_id: id, share_depth: depth + 1 });
    return withShare;
  };

  const view = (page: PageInstance) => {
    const { path, query, url } = pageOf(page);
    shown.get(page)!.at = tracker!.now();
    tracker!.page(path, { path, query, url });
  };
  // Before the page's own code: the view comes before what the page tracks as it loads, a tap
  // before what its handler does.
  const before: Record<string, (page: PageInstance, args: unknown[]) => void> = {
    onLoad(page, [query]) {
      shown.set(page, { at: -1, query: (query as Record<string, unknown>) ?? {} });
      view(page);
    },
    onShow(page) {
      const visit = shown.get(page);
      // Just loaded: already counted. Back to the page (from another page or the background): a view.
      if (!visit) shown.set(page, { at: -1, query: page.options ?? {} });
      if (!visit || visit.at < 0) view(page);
    },
  };
  // After it: sharing needs what the page returns.
  const after: Record<string, (page: PageInstance, result: unknown) => unknown> = {
    onHide: leave,
    onUnload: leave,
    onShareAppMessage(page, result) {
      if (!share) return result;
      const given = (result && typeof result == 'object' ? result : {}) as { path?: string };
      const [path = '', query = ''] = (given.path ?? urlOf(`/${routeOf(page)}`, pageOf(page).query)).split('?');
      return { ...given, path: `${path}?${shared(query, 'chat', path)}` };
    },
    onShareTimeline(page, result) {
      if (!share) return result;
      const given = (result && typeof result == 'object' ? result : {}) as { query?: string };
      return { ...given, query: shared(given.query ?? urlOf('', pageOf(page).query).slice(1), 'timeline', `/${routeOf(page)}`) };
    },
  };

  function wrap(original: unknown, name: string): unknown {
    const first = before[name];
    const then = after[name];
    if (typeof original !== 'function' && !first && name !== 'onHide' && name !== 'onUnload') return original;
    return function (this: PageInstance, ...args: unknown[]) {
      if (active) {
        try {
          // Only handlers get a tap event: lifecycle methods need no list to be told apart.
          const event = args[0] as TapEvent | undefined;
          if (first) first(this, args);
          else if (taps && event && event.type === 'tap') {
            const target = event.currentTarget || {};
            tracker!.track('Element Tapped', { handler: name, path: routeOf(this), element_id: target.id || undefined, dataset: target.dataset || {} });
          }
        } catch {
          // tracking never breaks the page
        }
      }
      const result = typeof original === 'function' ? (original as Method).apply(this, args) : undefined;
      if (active && then) {
        try {
          return then(this, result) ?? result;
        } catch {
          // as above
        }
      }
      return result;
    };
  }

  const wrapAll = (options: Options, lifecycle: boolean) => {
    const wrapped: Options = { ...options };
    for (const name of Object.keys(options)) wrapped[name] = wrap(options[name], name);
    // A page needs these even when it does not define them (show, leave); sharing only when it does.
    if (lifecycle) for (const name of ['onLoad', 'onShow', 'onHide', 'onUnload']) wrapped[name] ??= wrap(undefined, name);
    return wrapped;
  };

  return {
    name: 'mini-pages',
    async load(store: SafeStore) {
      const stored = await store.get<number>(SHARE_KEY);
      depth = typeof stored == 'number' ? stored : 0;
      // A launch from a shared card: this user is one share deeper in the chain than the sharer.
      const query = enterOptions(findHost(platform)?.api.getLaunchOptionsSync?.()).query;
      const arrived = +query[SHARE_PARAMS.depth]! | 0;
      if (query[SHARE_PARAMS.sharer] && arrived > 0) void store.set(SHARE_KEY, (depth = arrived));
    },
    setup(host: PluginHost) {
      tracker = host;
    },
    wrapPage: (options) => (options && typeof options == 'object' ? wrapAll(options, true) : options) as typeof options,
    wrapComponent(options) {
      if (!options || typeof options != 'object') return options;
      const methods = options.methods as Options | undefined;
      return { ...options, ...(methods && { methods: wrapAll(methods, 'onShow' in methods || 'onLoad' in methods) }) } as typeof options;
    },
    teardown() {
      active = false;
    },
  };
}
