import { createHash } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import { topLevelStrings } from '../log/line-ids';
import { normaliseEmail } from './enrich/pii';

/**
 * The suppression list: people who asked to be forgotten (`touchpoint forget`). The collector drops
 * their new events before the log, and the log's consumers skip their lines not yet delivered. The
 * file holds SHA-256 digests of identifiers as the collector stores them, never the identifiers.
 */
export type IdentifierKind = 'userId' | 'anonymousId' | 'email';
export const IDENTIFIER_KINDS: readonly IdentifierKind[] = ['userId', 'anonymousId', 'email'];

/** One line of `<dataDir>/suppression.ndjson`. */
export interface SuppressionEntry {
  at: string;
  kind: IdentifierKind;
  sha256: string;
}

export const suppressionFile = (dataDir: string) => join(dataDir, 'suppression.ndjson');

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Per kind, the identifiers looked for (or their digests). */
export type IdentifierSets = Record<IdentifierKind, Set<string>>;

export const emptySets = (): IdentifierSets => ({ userId: new Set(), anonymousId: new Set(), email: new Set() });

/** How an identifier is compared: e-mails trimmed and lower-cased (a hash is already both). */
export const identifierKey = (kind: IdentifierKind, value: string) => (kind === 'email' ? normaliseEmail(value) : value);

/** The identifiers an event object carries: `userId`, `anonymousId`, and the e-mails at `emailPaths`. */
export function identifiersOf(event: unknown, emailPaths: readonly string[]): { kind: IdentifierKind; value: string }[] {
  if (!isRecord(event)) return [];
  const found: { kind: IdentifierKind; value: string }[] = [];
  for (const kind of ['userId', 'anonymousId'] as const) {
    const value = event[kind];
    if (typeof value === 'string' || typeof value === 'number') found.push({ kind, value: String(value) });
  }
  for (const path of emailPaths) {
    let value: unknown = event;
    for (const key of path.split('.')) value = isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
    if (typeof value === 'string') found.push({ kind: 'email', value });
  }
  return found;
}

/** The kind of the first of `identifiers` whose key (through `digest`) is in `sets`. */
export function matchedKind(
  identifiers: readonly { kind: IdentifierKind; value: string }[],
  sets: IdentifierSets,
  digest: (key: string) => string = (k) => k,
): IdentifierKind | undefined {
  for (const { kind, value } of identifiers) {
    if (sets[kind].size > 0 && sets[kind].has(digest(identifierKey(kind, value)))) return kind;
  }
  return undefined;
}

/** The digests a suppression file lists, and how many of its lines could not be read. */
export function readSuppression(path: string): { sets: IdentifierSets; malformed: number } {
  const sets = emptySets();
  let malformed = 0;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { sets, malformed };
    throw error;
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as Partial<SuppressionEntry>;
      if (!IDENTIFIER_KINDS.includes(entry.kind as IdentifierKind) || typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256))
        throw new Error('not an entry');
      sets[entry.kind!].add(entry.sha256);
    } catch {
      malformed++;
    }
  }
  return { sets, malformed };
}

export interface SuppressionOptions {
  path: string;
  /** Where events carry e-mail addresses (`emailPaths` of the PII settings). */
  emailPaths: readonly string[];
  /** How often the file is checked for changes. */
  pollMs?: number;
  onReload?: (outcome: { entries: number; malformed: number; error?: Error }) => void;
}

export interface Suppression {
  /** Whether an event (an object as stored, or as sent for the failed stream) belongs to a suppressed person. */
  matches(event: unknown): boolean;
  /** The same for an NDJSON line of the events or bots stream, by its top-level `userId` and `anonymousId`. */
  matchesLine(line: Uint8Array): boolean;
  entries(): number;
  close(): void;
}

/**
 * Loads the suppression list and re-reads it when the file changes (as the tracking plan is), so a
 * `forget` takes effect in a running collector within `pollMs`. A file that cannot be read keeps the
 * previous list in force.
 */
export function watchSuppression({ path, emailPaths, pollMs = 1000, onReload }: SuppressionOptions): Suppression {
  let { sets } = readSuppression(path);
  const count = () => sets.userId.size + sets.anonymousId.size + sets.email.size;
  const reload = () => {
    try {
      const read = readSuppression(path);
      sets = read.sets;
      onReload?.({ entries: count(), malformed: read.malformed });
    } catch (error) {
      onReload?.({ entries: count(), malformed: 0, error: error as Error });
    }
  };
  watchFile(path, { interval: pollMs, persistent: false }, reload);
  return {
    matches: (event) => count() > 0 && matchedKind(identifiersOf(event, emailPaths), sets, sha256) !== undefined,
    matchesLine(line) {
      if (sets.userId.size + sets.anonymousId.size === 0) return false;
      const [userId, anonymousId] = topLevelStrings(line, 'userId', 'anonymousId');
      return (userId !== undefined && sets.userId.has(sha256(userId))) || (anonymousId !== undefined && sets.anonymousId.has(sha256(anonymousId)));
    },
    entries: count,
    close: () => unwatchFile(path, reload),
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
