import { emailPaths, normaliseEmail, storedValue, type PiiOptions } from '../pipeline/enrich/pii';
import { emptySets, identifierKey, identifiersOf, matchedKind, sha256, type IdentifierKind, type IdentifierSets } from '../pipeline/suppression';

/** What a data subject request names: at least one of these. */
export interface ForgetRequest {
  userId?: string;
  anonymousId?: string;
  email?: string;
}

/**
 * A person to forget: the identifiers looked for, as the collector stores them (hashed at the
 * configured PII paths with the configured salt), and how to find them in a record.
 */
export interface Person {
  keys: IdentifierSets;
  emailPaths: readonly string[];
}

/** The request's identifiers in their stored forms. */
export function personOf(request: ForgetRequest, pii: PiiOptions | undefined): Person {
  const keys = emptySets();
  if (request.userId !== undefined) keys.userId.add(identifierKey('userId', storedValue(pii, 'userId', request.userId)));
  if (request.anonymousId !== undefined) keys.anonymousId.add(identifierKey('anonymousId', storedValue(pii, 'anonymousId', request.anonymousId)));
  const paths = emailPaths(pii);
  if (request.email !== undefined) {
    // Hashed where the collector hashes e-mails; as sent (compared trimmed, lower-cased) elsewhere.
    keys.email.add(normaliseEmail(request.email));
    for (const path of paths) keys.email.add(normaliseEmail(storedValue(pii, path, request.email)));
  }
  return { keys, emailPaths: paths };
}

/**
 * The event objects a stored record holds: an event (events, bots), a failed record's `event`,
 * a dead letter's `event` (itself a failed record for the failed stream).
 */
function eventsIn(record: unknown): unknown[] {
  const found: unknown[] = [];
  for (let at = record, depth = 0; depth < 3 && typeof at === 'object' && at !== null && !Array.isArray(at); depth++) {
    found.push(at);
    at = (at as { event?: unknown }).event;
  }
  return found;
}

/** A failed record over the size limit keeps only the start of its JSON, as text. */
function truncatedIn(record: unknown): string[] {
  return eventsIn(record).flatMap((r) => {
    const text = (r as { eventTruncated?: unknown }).eventTruncated;
    return typeof text === 'string' ? [text] : [];
  });
}

export interface RecordMatch {
  kind: IdentifierKind;
  /** The identifiers of the matching event: what links the person's other ids to them. */
  userId?: string;
  anonymousId?: string;
}

/** Whether a record (parsed NDJSON line) is the person's, and by which identifier. */
export function matchRecord(record: unknown, person: Person): RecordMatch | undefined {
  for (const event of eventsIn(record)) {
    const identifiers = identifiersOf(event, person.emailPaths);
    const kind = matchedKind(identifiers, person.keys);
    if (kind) {
      return {
        kind,
        userId: identifiers.find((i) => i.kind === 'userId')?.value,
        anonymousId: identifiers.find((i) => i.kind === 'anonymousId')?.value,
      };
    }
  }
  for (const text of truncatedIn(record)) {
    for (const kind of ['userId', 'anonymousId'] as const) {
      for (const id of person.keys[kind]) if (text.includes(`"${kind}":${JSON.stringify(id)}`)) return { kind };
    }
  }
  return undefined;
}

/**
 * Byte strings one of which a line must hold to be the person's: a cheap test before parsing.
 * Ids as JSON escapes them (without quotes, so that they are found in a truncated record's text
 * too); e-mails are compared case-insensitively, so the line is lower-cased for them.
 */
export function prefilter(person: Person): (line: Buffer) => boolean {
  const needles = [...person.keys.userId, ...person.keys.anonymousId].map((id) => Buffer.from(JSON.stringify(id).slice(1, -1)));
  const emails = [...person.keys.email].map((e) => JSON.stringify(e).slice(1, -1));
  return (line) => needles.some((n) => line.includes(n)) || (emails.length > 0 && emails.some((e) => line.toString('utf8').toLowerCase().includes(e)));
}

/** The person with more identifiers (their linked ids). */
export function withLinked(person: Person, linked: { userIds: Iterable<string>; anonymousIds: Iterable<string> }): Person {
  const keys: IdentifierSets = { userId: new Set(person.keys.userId), anonymousId: new Set(person.keys.anonymousId), email: new Set(person.keys.email) };
  for (const id of linked.userIds) keys.userId.add(id);
  for (const id of linked.anonymousIds) keys.anonymousId.add(id);
  return { ...person, keys };
}

/** The suppression entries' digests for a person (each identifier in the stored form that is matched). */
export function digestsOf(person: Person): { kind: IdentifierKind; sha256: string }[] {
  return (['userId', 'anonymousId', 'email'] as const).flatMap((kind) => [...person.keys[kind]].map((key) => ({ kind, sha256: sha256(key) })));
}
