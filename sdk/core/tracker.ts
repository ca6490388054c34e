import { MAX_EVENT_BYTES } from '../protocol/limits';
import type { Context, Properties, TouchpointEvent, Traits } from '../protocol/types';
import { createCallQueue } from './call-queue';
import { createDelivery, type DeliveryOptions, type DeliveryStats } from './delivery';
import { createIdentity } from './identity';
import type { Plugin, PluginHost } from './plugin';
import { createSequence } from './sequence';
import { createMemoryStore, neverFailingStore, type KeyValueStore } from './store';
import { utf8Bytes } from './utf8-bytes';
import { VERSION } from './version';

export interface TrackerOptions extends DeliveryOptions {
  store?: KeyValueStore;
  /** Platform context, read at each call (page URL, locale, screen...). */
  context?: () => Context;
  plugins?: Plugin[];
  debug?: boolean;
  /** Fresh ids for events and visitors: the platform's source of randomness (the browser's crypto). */
  uuid: () => string;
}

export interface TrackerStats extends DeliveryStats {
  queued: number;
}

export interface Tracker extends PluginHost {
  page(name?: string, properties?: Properties): void;
  page(properties: Properties): void;
  screen(name: string, properties?: Properties): void;
  identify(userId: string, traits?: Traits): void;
  identify(traits: Traits): void;
  alias(userId: string, previousId?: string): void;
  group(groupId: string, traits?: Traits): void;
  reset(): void;
  use(plugin: Plugin): void;
  stats(): TrackerStats;
}

export type { Lifecycle } from './delivery';
const LIBRARY = { name: 'touchpoint', version: VERSION };

type Draft = Omit<TouchpointEvent, 'anonymousId'> & { type: TouchpointEvent['type'] };

/** The platform-free tracker: every platform entry point injects its transport, store and context. */
export function createTracker(options: TrackerOptions): Tracker {
  // Called from plain JavaScript with nothing: a tracker that does nothing, as with no write key.
  options ??= {} as TrackerOptions;
  const log = options.debug ? (...args: unknown[]) => console.debug('[touchpoint]', ...args) : () => {};
  const { writeKey, transport, store: givenStore = createMemoryStore(), context = () => ({}), uuid, now = Date.now } = options;
  const store = neverFailingStore(givenStore);
  const plugins: Plugin[] = [];
  const stats: DeliveryStats = { sent: 0, dropped: { plugin: 0, overflow: 0, rejected: 0, invalid: 0 } };
  const valid = typeof writeKey === 'string' && !!writeKey && typeof transport === 'function';
  if (!valid) log('no writeKey or transport: off');

  const identity = createIdentity(store, uuid);
  const sequence = createSequence(store);
  // Calls made before the stored state (and each plugin's) has loaded run, in order, once it has.
  const [run, waitFor] = createCallQueue();
  const delivery = createDelivery(options, store, stats, log, run);

  async function accept(draft: Draft) {
    const userId = identity.userId();
    let event = { ...draft, anonymousId: identity.anonymousId(), ...(userId !== undefined && draft.type !== 'alias' && { userId }) } as TouchpointEvent;
    for (const plugin of plugins) {
      try {
        const result = plugin.enrich?.(event);
        if (result === null) {
          stats.dropped.plugin++;
          return;
        }
        if (result) event = result;
      } catch (error) {
        log(`plugin ${plugin.name}:`, error);
      }
    }
    // Numbered once the plugins let it through: an event they drop on purpose is not a gap.
    event.context = { ...event.context, seq: sequence.next() };
    let json = '';
    try {
      json = JSON.stringify(event);
    } catch {
      // not JSON (a cycle, a BigInt): dropped below, as an event too large is
    }
    const bytes = utf8Bytes(json);
    if (!json || bytes > MAX_EVENT_BYTES) {
      stats.dropped.invalid++;
      log('event dropped: not JSON, or over', MAX_EVENT_BYTES, 'B');
      return;
    }
    await delivery.add({ id: event.messageId!, json, bytes });
  }

  /** Builds the event now: its time, id and page are those of the call, whenever it is queued. */
  function draft(fields: Record<string, unknown> & { type: TouchpointEvent['type'] }): Draft {
    return {
      ...fields,
      messageId: uuid(),
      timestamp: new Date(now()).toISOString(),
      context: { ...context(), library: LIBRARY },
    } as Draft;
  }

  const queueEvent = (event: Draft) => accept(event).catch((error) => log('event lost', error));
  const enqueue = (fields: Parameters<typeof draft>[0]) => {
    const event = draft(fields);
    run(() => queueEvent(event));
  };

  // Every public method goes through `guard`: the host page never sees an exception from us.
  // Without a fallback a guarded method returns undefined, as the void methods do.
  function guard<A extends unknown[], R>(name: string, fn: (...args: A) => R, fallback?: R) {
    return (...args: A): R => {
      if (!valid) return fallback as R;
      try {
        return fn(...args);
      } catch (error) {
        log(`${name}() ignored:`, error);
        return fallback as R;
      }
    };
  }

  const isName = (value: unknown): value is string => typeof value === 'string' && !!value.trim();
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  const objectOrEmpty = (value: unknown, what: string) => {
    if (value === undefined) return {};
    if (!isObject(value)) throw new Error(`${what} must be an object`);
    return value;
  };
  const requireName = (value: unknown, what: string): string => {
    if (!isName(value)) throw new Error(`${what} must be a non-empty string`);
    return value;
  };

  const tracker: Tracker = {
    track: guard('track', (event: string, properties?: Properties) =>
      enqueue({ type: 'track', event: requireName(event, 'event'), properties: objectOrEmpty(properties, 'properties') }),
    ),
    page: guard('page', (name?: string | Properties, properties?: Properties) => {
      if (isObject(name)) [name, properties] = [undefined, name];
      if (name !== undefined) requireName(name, 'name');
      enqueue({ type: 'page', ...(name !== undefined && { name }), properties: objectOrEmpty(properties, 'properties') });
    }),
    screen: guard('screen', (name: string, properties?: Properties) =>
      enqueue({ type: 'screen', name: requireName(name, 'name'), properties: objectOrEmpty(properties, 'properties') }),
    ),
    identify: guard('identify', (id: string | Traits, newTraits?: Traits) => {
      if (isObject(id)) [id, newTraits] = [undefined as unknown as string, id];
      const given = id === undefined ? undefined : requireName(id, 'userId');
      const added = objectOrEmpty(newTraits, 'traits');
      run(() => identity.identify(given, added));
      enqueue({ type: 'identify', traits: added, ...(given !== undefined && { userId: given }) });
    }),
    alias: guard('alias', (newId: string, previousId?: string) => {
      const to = requireName(newId, 'userId');
      const from = previousId === undefined ? undefined : requireName(previousId, 'previousId');
      const event = draft({ type: 'alias', userId: to });
      run(() => {
        // The previous id is the one current when the call's turn comes.
        queueEvent({ ...event, previousId: from ?? identity.userId() ?? identity.anonymousId() } as Draft);
        identity.alias(to);
      });
    }),
    group: guard('group', (groupId: string, groupTraits?: Traits) =>
      enqueue({ type: 'group', groupId: requireName(groupId, 'groupId'), traits: objectOrEmpty(groupTraits, 'traits') }),
    ),
    reset: guard('reset', () => run(identity.reset)),
    flush: guard('flush', () => new Promise<void>((resolve) => run(() => delivery.flush({ force: true }).then(resolve, resolve))), Promise.resolve()),
    use: guard('use', (plugin: Plugin) => {
      if (!isObject(plugin) || !isName(plugin.name)) throw new Error('a plugin needs a name');
      plugins.push(plugin);
      plugin.setup?.(tracker);
      // Added at start or later, a plugin reads what it keeps before the calls after it run.
      if (plugin.load) waitFor(plugin.load(store, tracker).catch((error: unknown) => log(`plugin ${plugin.name}:`, error)));
    }),
    anonymousId: identity.anonymousId,
    userId: identity.userId,
    now,
    uuid,
    context,
    requeue: guard('requeue', (event: TouchpointEvent) => run(() => queueEvent(event as Draft))),
    defer: guard('defer', run),
    stats: () => ({ ...stats, dropped: { ...stats.dropped }, queued: delivery.queued() }),
  };

  if (valid) {
    for (const plugin of options.plugins ?? []) tracker.use(plugin);
    waitFor(Promise.all([identity.load(), sequence.load(delivery.start())]));
  }
  return tracker;
}
