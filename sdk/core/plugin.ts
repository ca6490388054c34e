import type { TouchpointEvent } from '../protocol/types';

/**
 * A feature is a plain object with optional hooks. `enrich` runs on every event before it is
 * queued: return a changed event, `undefined` to keep it as it is, or `null` to drop it.
 */
export interface Plugin {
  name: string;
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
}
