import type { FailedRecord, StoredEvent } from '../records';

/** What one request added to storage, once it is durable. */
export interface FeedEntry {
  /** The write key's name (the source). */
  source: string;
  /** Valid events (the `events` stream). */
  events: readonly StoredEvent[];
  /** Valid events from bots, when bots are routed to their own stream. */
  bots: readonly StoredEvent[];
  /** Rejected events, with the reason. */
  failed: readonly FailedRecord[];
}

export type FeedListener = (entry: FeedEntry) => void;

/**
 * A tap on what the pipeline stored: the live view (`/debug`) and the test collector listen here
 * instead of reading sinks. Publishing costs one check while nobody listens; a listener that
 * throws is dropped, never the request.
 */
export interface EventFeed {
  /** Whether anyone listens: delivery skips building the entry otherwise. */
  readonly active: boolean;
  publish(entry: FeedEntry): void;
  /** Returns the unsubscribe function; `onClose` runs when the feed closes (the collector stops). */
  subscribe(listener: FeedListener, onClose?: () => void): () => void;
  close(): void;
}

export function createEventFeed(): EventFeed {
  const listeners = new Map<FeedListener, (() => void) | undefined>();
  return {
    get active() {
      return listeners.size > 0;
    },
    publish(entry) {
      for (const listener of [...listeners.keys()]) {
        try {
          listener(entry);
        } catch {
          listeners.delete(listener);
        }
      }
    },
    subscribe(listener, onClose) {
      listeners.set(listener, onClose);
      return () => void listeners.delete(listener);
    },
    close() {
      const closing = [...listeners.values()];
      listeners.clear();
      for (const onClose of closing) onClose?.();
    },
  };
}

/** One event of an entry, as the live view and the test collector show it. */
export type FeedItem = { status: 'good'; source: string; stream: 'events' | 'bots'; event: StoredEvent } | ({ status: 'bad'; source: string } & FailedRecord);

/** An entry's events one by one: accepted ones first, then bots, then rejected ones. */
export function feedItems(entry: FeedEntry): FeedItem[] {
  const items: FeedItem[] = [];
  for (const event of entry.events) items.push({ status: 'good', source: entry.source, stream: 'events', event });
  for (const event of entry.bots) items.push({ status: 'good', source: entry.source, stream: 'bots', event });
  for (const failed of entry.failed) items.push({ status: 'bad', source: entry.source, ...failed });
  return items;
}

/**
 * What people call an event: a track's `event`, a page or screen's `name`, else its type. For a
 * rejected event it is read from whatever the client sent, which may be anything.
 */
export function eventName(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const { event: name, name: viewName, type } = event as Record<string, unknown>;
  for (const candidate of [name, viewName, type]) if (typeof candidate === 'string' && candidate !== '') return candidate;
  return undefined;
}
