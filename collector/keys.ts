import { createHash } from 'node:crypto';
import { DEMO_WRITE_KEY, type WriteKeyConfig } from './config';

/** A write key as the request path uses it: the source that sends with it. */
export interface Source {
  key: string;
  /** Names the source in events (`source`), failed records, metrics and logs, instead of the key itself. */
  name: string;
  kind: 'browser' | 'server';
  /** null: any origin. */
  origins: ReadonlySet<string> | null;
  /** Mini-program app ids the key takes requests from; null: any. */
  miniprograms: ReadonlySet<string> | null;
  rateLimit?: { eventsPerSecond: number; burst: number };
  ipRateLimit?: { eventsPerSecond: number; burst: number };
}

export interface KeyRing {
  find(key: string): Source | undefined;
  /** Whether some browser key takes requests from this origin (what a preflight can know: it carries no key). */
  acceptsOrigin(origin: string): boolean;
  /** Whether some browser key lists this origin by name, as credentialed CORS requires. */
  listsOrigin(origin: string): boolean;
  usesDemoKey: boolean;
  /** The sources by name and kind, as the start-up summary lists them (never the keys). */
  names(): string[];
}

/** Whether a request from `origin` may be answered for this source. `null` (sandboxed frames, files) never is. */
export const sourceAcceptsOrigin = (source: Source, origin: string) => origin !== 'null' && (source.origins === null || source.origins.has(origin));

/**
 * A key's name when none is configured: short keys as they are (the demo key stays `demo`),
 * longer ones as their start and a hash, so two keys that start alike never share a name.
 */
export const defaultSourceName = (key: string) => (key.length <= 6 ? key : `${key.slice(0, 6)}-${createHash('sha256').update(key).digest('hex').slice(0, 6)}`);

export function createKeyRing(configs: readonly WriteKeyConfig[]): KeyRing {
  const usesDemoKey = configs.length === 0;
  const list = usesDemoKey ? [{ key: DEMO_WRITE_KEY, kind: 'browser' as const, allowedOrigins: ['*'] }] : configs;
  const sources = new Map<string, Source>();
  for (const c of list) {
    const rate = (r: { eventsPerSecond: number; burst?: number } | undefined) =>
      r && { eventsPerSecond: r.eventsPerSecond, burst: r.burst ?? r.eventsPerSecond * 2 };
    sources.set(c.key, {
      key: c.key,
      name: ('name' in c && c.name) || defaultSourceName(c.key),
      kind: c.kind,
      origins: c.allowedOrigins.includes('*') ? null : new Set(c.allowedOrigins),
      miniprograms: 'allowedMiniprograms' in c && c.allowedMiniprograms ? new Set(c.allowedMiniprograms) : null,
      rateLimit: 'rateLimit' in c ? rate(c.rateLimit) : undefined,
      ipRateLimit: 'ipRateLimit' in c ? rate(c.ipRateLimit) : undefined,
    });
  }
  const browser = [...sources.values()].filter((s) => s.kind === 'browser');
  return {
    find: (key) => sources.get(key),
    acceptsOrigin: (origin) => browser.some((s) => sourceAcceptsOrigin(s, origin)),
    listsOrigin: (origin) => browser.some((s) => s.origins?.has(origin) === true),
    usesDemoKey,
    names: () => [...new Set([...sources.values()].map((s) => `${s.name} (${s.kind})`))],
  };
}
