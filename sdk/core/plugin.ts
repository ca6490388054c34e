import type { Context, TouchpointEvent } from '../protocol/types';
import type { SafeStore } from './store';

/**
 * A feature is a plain object with optional hooks. `enrich` runs on every event before it is
 * queued: return a changed event, `undefined` to keep it as it is, or `null` to drop it.
 */
export interface Plugin {
  name: string;
  /**
   * Reads what the plugin keeps between pages. The calls made on the tracker after the plugin was
   * added (at start or later, with `use`) wait for it. Runs after `setup`.
   */
  load?(store: SafeStore, tracker: PluginHost): Promise<void>;
  setup?(tracker: PluginHost): void;
  enrich?(event: TouchpointEvent): TouchpointEvent | null | undefined | void;
}

/** What a plugin may call on the tracker it is added to. */
export interface PluginHost {
  track(event: string, properties?: Record<string, unknown>): void;
  page(name?: string, properties?: Record<string, unknown>): void;
  flush(): Promise<void>;
  anonymousId(): string | undefined;
  userId(): string | undefined;
  /** Puts an event a plugin held back (consent pending) into the queue as it was built. */
  requeue(event: TouchpointEvent): void;
  /** Runs `fn` in order with the calls made on the tracker (which wait for stored state to load). */
  defer(fn: () => void): void;
  /** The tracker's clock in ms (`TrackerOptions.now`): the one events are stamped with. */
  now(): number;
  /** A fresh random id from the platform (`TrackerOptions.uuid`). */
  uuid(): string;
  /** The platform's context at this moment, as events get it: in the browser `page.url`, `page.path`, `page.referrer`... */
  context(): Context;
}
