import { backoff } from './backoff';
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS } from '../protocol/limits';
import { createPersistedQueue, type QueueItem } from './queue';
import type { SafeStore } from './store';
import type { Transport, TransportResponse } from './transport';

export interface DeliveryStats {
  sent: number;
  dropped: { plugin: number; overflow: number; rejected: number; invalid: number };
}

export interface Lifecycle {
  /** The page or app is going to the background and may never come back. */
  onHidden(callback: () => void): void;
  /** Back online, or back in front: a good moment to send what waits, a closed tab's events too. */
  onResume(callback: () => void): void;
}

/** How events are delivered: the tracker's options of the same names (`TrackerOptions`). */
export interface DeliveryOptions {
  writeKey: string;
  /** Base URL of the collector; '' for the same origin. */
  endpoint: string;
  transport: Transport;
  lifecycle?: Lifecycle;
  /**
   * Runs `task` while no other tab of the site is sending (the browser uses the Web Locks API), so
   * tabs sharing the stored queue never send the same event twice. Default: no coordination.
   */
  lock?: <T>(task: () => Promise<T>) => Promise<T>;
  /** Send once this many events are queued. */
  flushAt?: number;
  /** Send this long after the first unsent event, at the latest. */
  flushInterval?: number;
  /** Cap per request; the default stays under the 64 KB keepalive limit. */
  maxBatchBytes?: number;
  maxBatchEvents?: number;
  maxQueueEvents?: number;
  maxQueueBytes?: number;
  now?: () => number;
  random?: () => number;
}

/** Owns when events are sent: batch size, interval, retry, page hide, and what earlier pages left. */
export interface Delivery {
  /**
   * Loads the queue, follows the lifecycle (hidden: send at once; resumed: send what waits), and
   * sends what earlier pages left after the calls waiting for the load. Resolves to what they left.
   */
  start(): Promise<QueueItem[]>;
  /** How many events wait in the queue. */
  queued(): number;
  /** Queues an event; sends now if a batch is full, else within `flushInterval`. */
  add(item: QueueItem): Promise<void>;
  /**
   * Sends the queue in batches until it is empty or a request fails. `force` skips the wait
   * of a scheduled retry (explicit flush, page hidden, back online).
   */
  flush(options?: { force?: boolean; keepalive?: boolean }): Promise<void>;
}

/** Whether to go on sending: false once a request is to be retried later. */
type Outcome = boolean;

/**
 * `defer` runs a function after the tracker's calls that wait for its stored state (`CallQueue.run`):
 * what earlier pages left is sent with what those calls queue.
 */
export function createDelivery(
  options: DeliveryOptions,
  store: SafeStore,
  stats: DeliveryStats,
  log: (...args: unknown[]) => void,
  defer: (fn: () => void) => void,
): Delivery {
  const {
    writeKey,
    endpoint = '',
    transport,
    lifecycle,
    lock,
    flushAt = 20,
    flushInterval = 5000,
    maxBatchBytes = 60_000,
    maxBatchEvents = 100,
    maxQueueEvents = 1000,
    maxQueueBytes = 2_000_000,
    now = Date.now,
    random = Math.random,
  } = options;
  const queue = createPersistedQueue(store, `tp:v1:queue:${writeKey}`, { maxEvents: maxQueueEvents, maxBytes: maxQueueBytes });
  const url = `${endpoint.replace(/\/+$/, '')}/v1/batch`;
  const batchEvents = Math.min(maxBatchEvents, MAX_BATCH_EVENTS);
  const batchBytes = Math.min(maxBatchBytes, MAX_BATCH_BYTES);
  let sending: Promise<void> | undefined;
  let attempt = 0;
  let retryAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // How many of the oldest events are in requests not yet answered: requests always take the
  // oldest others, so these are the head of the queue. A flush on hide sends the rest beside them.
  // (Should the queue's bounds drop old events meanwhile, a few wait for the next send: none is lost.)
  let inFlight = 0;

  function cancelTimer() {
    clearTimeout(timer);
    timer = undefined;
  }

  function schedule(delayMs: number) {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, delayMs);
  }

  async function send(items: QueueItem[], keepalive: boolean): Promise<Outcome> {
    const body = `{"batch":[${items.map((i) => i.json).join(',')}],"sentAt":${JSON.stringify(new Date(now()).toISOString())},"writeKey":${JSON.stringify(writeKey)}}`;
    inFlight += items.length;
    const { status, retryAfter } = await transport({ url, body, keepalive }).catch((): TransportResponse => ({ status: 0 }));
    inFlight -= items.length;
    if (status >= 200 && status < 300) {
      stats.sent += items.length;
      await queue.remove(items);
      return true;
    }
    if (status === 413) {
      if (items.length === 1) return drop(items, status);
      const half = Math.ceil(items.length / 2);
      return (await send(items.slice(0, half), keepalive)) && send(items.slice(half), keepalive);
    }
    if (!status || status === 408 || status === 429 || status >= 500) {
      const delay = (retryAfter ?? -1) >= 0 ? retryAfter! * 1000 : backoff(attempt, { random });
      attempt++;
      retryAt = now() + delay;
      log('retry in', delay, status);
      cancelTimer();
      schedule(delay);
      return false;
    }
    return drop(items, status);
  }

  // A 4xx other than the ones above will never succeed: keeping the batch would block the queue.
  async function drop(items: QueueItem[], status: number): Promise<Outcome> {
    stats.dropped.rejected += items.length;
    log('refused:', items.length, status);
    await queue.remove(items);
    return true;
  }

  function flush({ force = false, keepalive = false } = {}): Promise<void> {
    // What is queued while a request is in flight goes out in the same loop; but the app or page
    // going away cannot wait for that request: its flush sends the rest at once, beside it.
    if (sending && !keepalive) return sending;
    if (!force && now() < retryAt) {
      schedule(retryAt - now());
      return Promise.resolve();
    }
    retryAt = 0;
    cancelTimer();
    // Sends from a page being hidden must start now, before it is frozen: no lock, no store read.
    // What they send stays stored until confirmed, so at worst a tab re-sends it and de-dup drops it.
    const run = ((!keepalive && lock) || ((task: () => Promise<void>) => task()))(async () => {
      if (!keepalive) await queue.load();
      for (let batch; (batch = queue.peek(batchEvents, batchBytes, inFlight)).length;) {
        if (!(await send(batch, keepalive))) return;
        attempt = 0;
      }
    });
    if (sending) return run;
    return (sending = run.finally(() => {
      sending = undefined;
    }));
  }

  return {
    async start() {
      lifecycle?.onHidden(() => flush({ force: true, keepalive: true }));
      lifecycle?.onResume(() => flush({ force: true }));
      await queue.load();
      const left = queue.peek(queue.size(), Infinity);
      if (left.length) defer(flush);
      return left;
    },
    async add(item) {
      // Read after the push: `+= await` would add to a count read before other events' pushes.
      const overflow = await queue.push(item);
      stats.dropped.overflow += overflow;
      if (queue.size() >= flushAt) void flush();
      else schedule(flushInterval);
    },
    queued: queue.size,
    flush,
  };
}
