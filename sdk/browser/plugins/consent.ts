import type { Plugin, PluginHost } from '../../core/plugin';
import type { SafeStore } from '../../core/store';
import type { TouchpointEvent } from '../../protocol/types';

export interface ConsentOptions {
  /** The category each event needs; `analytics` for all by default. */
  categoryOf?: (event: TouchpointEvent) => string;
  /** Until the visitor decides: hold events in memory and send them if consent comes, or drop them. */
  whilePending?: 'queue' | 'drop';
  /** Most events held while pending; the oldest go first. */
  maxPending?: number;
  /** Track nothing when the browser sends Do Not Track / Global Privacy Control. */
  respectDoNotTrack?: boolean;
  respectGlobalPrivacyControl?: boolean;
}

interface Decisions {
  granted: string[];
  denied: string[];
  optedOut: boolean;
}

const KEY = 'tp:v1:consent';

/**
 * Consent by category with a pending state, opt-out, and Do Not Track / Global Privacy Control.
 * Use the returned object to record decisions: `consent.grant('analytics')`, `consent.optOut()`.
 * Decisions are kept across pages; held events are sent on grant with their original time and id.
 */
export function consentPlugin({
  categoryOf = () => 'analytics',
  whilePending = 'queue',
  maxPending = 1000,
  respectDoNotTrack = false,
  respectGlobalPrivacyControl = false,
}: ConsentOptions = {}) {
  let decisions: Decisions = { granted: [], denied: [], optedOut: false };
  let store: SafeStore | undefined;
  let host: PluginHost | undefined;
  let held: TouchpointEvent[] = [];
  const nav = (typeof navigator === 'undefined' ? {} : navigator) as { doNotTrack?: string | null; globalPrivacyControl?: boolean };
  const signalled = () => (respectDoNotTrack && nav.doNotTrack === '1') || (respectGlobalPrivacyControl && nav.globalPrivacyControl === true);
  const save = () => void store?.set(KEY, decisions);
  // A decision takes effect in order with the tracking calls made before it.
  const inOrder = (fn: () => void) => (host ? host.defer(fn) : fn());

  const plugin: Plugin & {
    grant(...categories: string[]): void;
    deny(...categories: string[]): void;
    optOut(): void;
    optIn(): void;
  } = {
    name: 'consent',
    async load(s) {
      store = s;
      const stored = await s.get<Decisions>(KEY);
      if (stored && Array.isArray(stored.granted) && Array.isArray(stored.denied)) decisions = stored;
    },
    setup(tracker) {
      host = tracker;
    },
    enrich(event) {
      if (decisions.optedOut || signalled()) return null;
      const category = categoryOf(event);
      if (decisions.granted.includes(category)) return event;
      if (decisions.denied.includes(category) || whilePending === 'drop') return null;
      held.push(event);
      if (held.length > maxPending) held.shift();
      return null;
    },
    grant(...categories) {
      inOrder(() => {
        decisions = {
          ...decisions,
          granted: [...new Set([...decisions.granted, ...categories])],
          denied: decisions.denied.filter((c) => !categories.includes(c)),
        };
        save();
        const release = held.filter((e) => categories.includes(categoryOf(e)));
        held = held.filter((e) => !release.includes(e));
        for (const event of release) host?.requeue(event);
      });
    },
    deny(...categories) {
      inOrder(() => {
        decisions = {
          ...decisions,
          denied: [...new Set([...decisions.denied, ...categories])],
          granted: decisions.granted.filter((c) => !categories.includes(c)),
        };
        held = held.filter((e) => !categories.includes(categoryOf(e)));
        save();
      });
    },
    optOut() {
      inOrder(() => {
        decisions = { ...decisions, optedOut: true };
        held = [];
        save();
      });
    },
    optIn() {
      inOrder(() => {
        decisions = { ...decisions, optedOut: false };
        save();
      });
    },
  };
  return plugin;
}
