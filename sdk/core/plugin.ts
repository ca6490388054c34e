import type { TouchpointEvent } from '../protocol/types';
import type { SafeStore } from './store';

/**
 * A feature is a plain object with optional hooks. `enrich` runs on every event before it is
 * queued: return a changed event, `undefined` to keep it as it is, or `null` to drop it.
 */
export interface Plugin {
  name: string;
  /** Reads what the plugin keeps between pages; the tracker waits for it before the first event. */
  load?(store: SafeStore): Promise<void>;
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
}
