import { backoff } from './backoff';
import type { PersistedQueue, QueueItem } from './queue';
import type { Transport, TransportResponse } from './transport';

export interface DeliveryStats {
  sent: number;
  dropped: { plugin: number; overflow: number; rejected: number; invalid: number };
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
}

export interface Delivery {
  /**
   * Sends the queue in batches until it is empty or a request fails. `force` skips the wait
   * of a scheduled retry (explicit flush, page hidden, back online).
   */
  flush(options?: { force?: boolean; keepalive?: boolean }): Promise<void>;
  /** Sends after `delayMs` unless something sends sooner. */
  schedule(delayMs: number): void;
}

type Outcome = 'sent' | 'retry';

export function createDelivery(o: DeliveryOptions): Delivery {
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
    const body = `{"batch":[${items.map((i) => i.json).join(',')}],"sentAt":${JSON.stringify(new Date(o.now()).toISOString())},"writeKey":${JSON.stringify(o.writeKey)}}`;
    inFlight += items.length;
    const { status, retryAfter } = await o.transport({ url: o.url, body, keepalive }).catch((): TransportResponse => ({ status: 0 }));
    inFlight -= items.length;
    if (status >= 200 && status < 300) {
      o.stats.sent += items.length;
      await o.queue.remove(items);
      return 'sent';
    }
    if (status === 413) {
      if (items.length === 1) return drop(items, status);
      const half = Math.ceil(items.length / 2);
      return (await send(items.slice(0, half), keepalive)) === 'sent' ? send(items.slice(half), keepalive) : 'retry';
    }
    if (!status || status === 408 || status === 429 || status >= 500) {
      const delay = (retryAfter ?? -1) >= 0 ? retryAfter! * 1000 : backoff(attempt, { random: o.random });
      attempt++;
      retryAt = o.now() + delay;
      o.log('retry in', delay, status);
      cancelTimer();
      schedule(delay);
      return 'retry';
    }
    return drop(items, status);
  }

  // A 4xx other than the ones above will never succeed: keeping the batch would block the queue.
  async function drop(items: QueueItem[], status: number): Promise<Outcome> {
    o.stats.dropped.rejected += items.length;
    o.log('refused:', items.length, status);
    await o.queue.remove(items);
    return 'sent';
  }

  function flush({ force = false, keepalive = false } = {}): Promise<void> {
    // What is queued while a request is in flight goes out in the same loop; but the app or page
    // going away cannot wait for that request: its flush sends the rest at once, beside it.
    if (sending && !keepalive) return sending;
    if (!force && o.now() < retryAt) {
      schedule(retryAt - o.now());
      return Promise.resolve();
    }
    retryAt = 0;
    cancelTimer();
    // Sends from a page being hidden must start now, before it is frozen: no lock, no store read.
    // What they send stays stored until confirmed, so at worst a tab re-sends it and de-dup drops it.
    const run = ((!keepalive && o.lock) || ((task: () => Promise<void>) => task()))(async () => {
      if (!keepalive) await o.queue.load();
      for (let batch; (batch = o.queue.peek(o.maxBatchEvents, o.maxBatchBytes, inFlight)).length; ) {
        if ((await send(batch, keepalive)) === 'retry') return;
        attempt = 0;
      }
    });
    if (sending) return run;
    return (sending = run.finally(() => {
      sending = undefined;
    }));
  }

  return { flush, schedule };
}
