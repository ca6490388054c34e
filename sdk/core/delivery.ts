import { backoff } from './backoff';
import type { PersistedQueue, QueueItem } from './queue';
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

export interface DeliveryOptions {
  queue: PersistedQueue;
  transport: Transport;
  url: string;
  writeKey: string;
  maxBatchEvents: number;
  maxBatchBytes: number;
  stats: DeliveryStats;
  random: () => number;
  now: () => number;
  log: (...args: unknown[]) => void;
  /** Runs a send while no other tab of the site sends (see `TrackerOptions.lock`). */
  lock?: <T>(task: () => Promise<T>) => Promise<T>;
  /** Send once this many events are queued... */
  flushAt: number;
  /** ...or this long after the first unsent event, at the latest. */
  flushInterval: number;
  lifecycle?: Lifecycle;
  /** Runs `fn` after the tracker's calls waiting for its stored state (see `CallQueue.run`). */
  defer: (fn: () => void) => void;
}

/** Owns when events are sent: batch size, interval, retry, page hide, and what earlier pages left. */
export interface Delivery {
  /**
   * Loads the queue, follows the lifecycle (hidden: send at once; resumed: send what waits), and
   * sends what earlier pages left after the calls waiting for the load. Resolves to what they left.
   */
  start(): Promise<QueueItem[]>;
  /** Queues an event; sends now if a batch is full, else within `flushInterval`. */
  add(item: QueueItem): Promise<void>;
  /**
   * Sends the queue in batches until it is empty or a request fails. `force` skips the wait
   * of a scheduled retry (explicit flush, page hidden, back online).
   */
  flush(options?: { force?: boolean; keepalive?: boolean }): Promise<void>;
}

type Outcome = 'sent' | 'retry';

export function createDelivery(options: DeliveryOptions): Delivery {
  const { defer, flushAt, flushInterval, lifecycle, lock, log, maxBatchBytes, maxBatchEvents, now, queue, random, stats, transport, url, writeKey } = options;
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
      return 'sent';
    }
    if (status === 413) {
      if (items.length === 1) return drop(items, status);
      const half = Math.ceil(items.length / 2);
      return (await send(items.slice(0, half), keepalive)) === 'sent' ? send(items.slice(half), keepalive) : 'retry';
    }
    if (!status || status === 408 || status === 429 || status >= 500) {
      const delay = (retryAfter ?? -1) >= 0 ? retryAfter! * 1000 : backoff(attempt, { random });
      attempt++;
      retryAt = now() + delay;
      log('retry in', delay, status);
      cancelTimer();
      schedule(delay);
      return 'retry';
    }
    return drop(items, status);
  }

  // A 4xx other than the ones above will never succeed: keeping the batch would block the queue.
  async function drop(items: QueueItem[], status: number): Promise<Outcome> {
    stats.dropped.rejected += items.length;
    log('refused:', items.length, status);
    await queue.remove(items);
    return 'sent';
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
      for (let batch; (batch = queue.peek(maxBatchEvents, maxBatchBytes, inFlight)).length; ) {
        if ((await send(batch, keepalive)) === 'retry') return;
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
      lifecycle?.onHidden(() => void flush({ force: true, keepalive: true }));
      lifecycle?.onResume(() => void flush({ force: true }));
      await queue.load();
      const left = queue.peek(queue.size(), Infinity);
      if (left.length) defer(() => void flush());
      return left;
    },
    async add(item) {
      // Read after the push: `+= await` would add to a count read before other events' pushes.
      const overflow = await queue.push(item);
      stats.dropped.overflow += overflow;
      if (queue.size() >= flushAt) void flush();
      else schedule(flushInterval);
    },
    flush,
  };
}
