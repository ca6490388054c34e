import { createHash } from 'node:crypto';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';
import type { EnrichStep } from './step';

export interface PiiOptions {
  salt: string;
  paths: readonly { path: string; kind: 'email' | 'phone' | 'text' }[];
  defaultRegion: string;
}

/**
 * Replaces identifiers at the configured paths with a salted SHA-256 of their normalised form
 * (E.164 phone numbers, lower-cased e-mails), so the warehouse can join on them without holding them.
 * A `traits.*` path covers `context.traits.*` too: RudderStack's SDKs send a user's traits there,
 * on every event after identify.
 */
export function createPiiHasher({ salt, paths, defaultRegion }: PiiOptions): (event: Record<string, unknown>) => void {
  const withContext = paths.flatMap((p) => (p.path.startsWith('traits.') ? [p, { ...p, path: `context.${p.path}` }] : [p]));
  const compiled = withContext.map(({ path, kind }) => ({ keys: path.split('.'), normalise: NORMALISERS[kind] }));
  const region = defaultRegion.toUpperCase() as CountryCode;
  return (event) => {
    for (const { keys, normalise } of compiled) {
      let parent: unknown = event;
      for (const key of keys.slice(0, -1)) parent = isRecord(parent) && Object.hasOwn(parent, key) ? parent[key] : undefined;
      const last = keys.at(-1)!;
      if (!isRecord(parent) || !Object.hasOwn(parent, last)) continue;
      const value = parent[last];
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      parent[last] = createHash('sha256')
        .update(salt)
        .update(normalise(String(value), region))
        .digest('hex');
    }
  };
}

/**
 * What the collector stores for `value` sent at `path`: its hash when the path is configured, else
 * the value as sent. Finding a person's stored events starts from the identifier they give.
 */
export function storedValue(options: PiiOptions | undefined, path: string, value: string): string {
  if (!options) return value;
  const keys = path.split('.');
  const event: Record<string, unknown> = {};
  let parent = event;
  for (const key of keys.slice(0, -1)) parent = (parent[key] = {}) as Record<string, unknown>;
  parent[keys.at(-1)!] = value;
  createPiiHasher(options)(event);
  parent = event;
  for (const key of keys.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  return parent[keys.at(-1)!] as string;
}

/** The paths the collector reads e-mail addresses at: the configured ones (`traits.*` also under `context`), and Segment's `traits.email`. */
export function emailPaths(options: PiiOptions | undefined): string[] {
  const configured = (options?.paths ?? []).filter((p) => p.kind === 'email').map((p) => p.path);
  const all = new Set([...configured, 'traits.email']);
  for (const path of [...all]) if (path.startsWith('traits.')) all.add(`context.${path}`);
  return [...all];
}

export const normaliseEmail = (value: string) => value.trim().toLowerCase();

const NORMALISERS = {
  email: normaliseEmail,
  phone: (value: string, region: CountryCode) => parsePhoneNumberFromString(value, region)?.number ?? value.replace(/[^\d+]/g, ''),
  text: (value: string) => value.trim(),
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The PII step: the configured paths hashed, last, after every other step has read the event. */
export function piiStep(options: PiiOptions): EnrichStep {
  const hash = createPiiHasher(options);
  return (event) => hash(event as unknown as Record<string, unknown>);
}
