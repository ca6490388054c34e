import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { eventName, feedItems, type EventFeed, type FeedItem } from '../pipeline/feed';
import { debugPage } from './debug-page';

export interface DebugRoutesOptions {
  feed: EventFeed;
  /** Whether a request may read the stream: the admin token on a real collector, anyone on the test collector. */
  isAllowed: (c: Context) => boolean;
  /** Items a slow viewer may have unsent before new ones are dropped for it (and counted). */
  maxPending?: number;
  heartbeatMs?: number;
}

/** The live view's filters: case-insensitive substrings of the event name, anonymous id and source. */
export interface ViewFilter {
  event?: string;
  anonymousId?: string;
  source?: string;
}

const FILTER_MAX = 200;

/**
 * The live event view: `GET /debug`, a page that holds no data and asks for the admin token when
 * the stream wants one (kept in the tab's sessionStorage), and `GET /debug/stream`, server-sent
 * events of every stored and rejected event as it arrives, read by the page with `fetch` so the
 * token travels in the `Authorization` header, never in a URL. A refused stream is a 404, like
 * any unknown path.
 */
export function debugRoutes({ feed, isAllowed, maxPending = 1000, heartbeatMs = 15_000 }: DebugRoutesOptions): Hono {
  const routes = new Hono();
  routes.get('/debug', (c) => {
    // The page shows what clients sent: no script but its own runs, and it is never framed.
    const nonce = randomBytes(16).toString('base64');
    return c.html(debugPage(nonce), 200, {
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
  });
  routes.get('/debug/stream', (c) => {
    if (!isAllowed(c)) return c.notFound();
    const filter = readFilter(c);
    const response = streamSSE(c, async (stream) => {
      let pending = 0;
      let dropped = 0;
      const send = (event: string, data: unknown) => {
        pending++;
        void stream.writeSSE({ event, data: JSON.stringify(data) }).finally(() => pending--);
      };
      const done = new Promise<void>((resolve) => {
        const unsubscribe = feed.subscribe((entry) => {
          for (const item of feedItems(entry)) {
            if (!matchesView(item, filter)) continue;
            if (pending >= maxPending) {
              dropped++;
              continue;
            }
            if (dropped > 0) {
              send('dropped', { count: dropped });
              dropped = 0;
            }
            send(item.status, item);
          }
        }, resolve);
        stream.onAbort(() => {
          unsubscribe();
          resolve();
        });
      });
      const heartbeat = setInterval(() => void stream.write(': ping\n\n'), heartbeatMs);
      heartbeat.unref();
      send('ready', { filter });
      await done;
      clearInterval(heartbeat);
    });
    // A stream's connection is never reused: closed with it, so a stopping collector need not wait for it.
    response.headers.set('connection', 'close');
    return response;
  });
  return routes;
}

function readFilter(c: Context): ViewFilter {
  const filter: ViewFilter = {};
  for (const key of ['event', 'anonymousId', 'source'] as const) {
    const value = c.req.query(key)?.trim().slice(0, FILTER_MAX);
    if (value) filter[key] = value;
  }
  return filter;
}

const contains = (value: unknown, wanted: string | undefined) =>
  wanted === undefined || (typeof value === 'string' && value.toLowerCase().includes(wanted.toLowerCase()));

function matchesView(item: FeedItem, { event, anonymousId, source }: ViewFilter): boolean {
  const raw = item.event as Record<string, unknown> | undefined;
  return contains(item.source, source) && contains(eventName(raw), event) && contains(raw?.anonymousId, anonymousId);
}
