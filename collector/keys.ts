import { DEMO_WRITE_KEY, type WriteKeyConfig } from './config';

/** A write key as the request path uses it. */
export interface Source {
  key: string;
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
  /** Whether a CORS preflight from this origin may be answered: some browser key accepts it. */
  acceptsOrigin(origin: string): boolean;
  usesDemoKey: boolean;
}

export function createKeyRing(configs: readonly WriteKeyConfig[]): KeyRing {
  const usesDemoKey = configs.length === 0;
  const list = usesDemoKey ? [{ key: DEMO_WRITE_KEY, kind: 'browser' as const, allowedOrigins: ['*'] }] : configs;
  const sources = new Map<string, Source>();
  for (const c of list) {
    const rate = (r: { eventsPerSecond: number; burst?: number } | undefined) =>
      r && { eventsPerSecond: r.eventsPerSecond, burst: r.burst ?? r.eventsPerSecond * 2 };
    sources.set(c.key, {
      key: c.key,
      name: ('name' in c && c.name) || c.key.slice(0, 6),
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
    acceptsOrigin: (origin) => browser.some((s) => s.origins === null || s.origins.has(origin)),
    usesDemoKey,
  };
}
