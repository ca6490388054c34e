import { isDeepStrictEqual } from 'node:util';
import { readStream } from './ndjson';
import { bodyText, type RecordedRequest } from './recording-proxy';

type Json = Record<string, any>;

/** An event as a client put it on the wire, with the request that carried it. */
export interface WireEvent {
  event: Json;
  request: RecordedRequest;
}

/** The events in a request body: a batch's `batch`, or the one event of a single-event route. */
export function eventsOnWire(requests: readonly RecordedRequest[]): WireEvent[] {
  return requests.flatMap((request) => {
    if (request.method !== 'POST' || request.body.length === 0) return [];
    let body: unknown;
    try {
      body = JSON.parse(bodyText(request));
    } catch {
      return [];
    }
    if (!body || typeof body !== 'object') return [];
    const events = Array.isArray((body as Json).batch) ? (body as Json).batch : [body];
    return events
      .filter((e: unknown): e is Json => !!e && typeof e === 'object' && typeof (e as Json).messageId === 'string')
      .map((event: Json) => ({ event, request }));
  });
}

/** Each message id on the wire, with every attempt that carried it, in order. */
export function attemptsById(requests: readonly RecordedRequest[]): Map<string, WireEvent[]> {
  const byId = new Map<string, WireEvent[]>();
  for (const sent of eventsOnWire(requests)) {
    const attempts = byId.get(sent.event.messageId) ?? [];
    attempts.push(sent);
    byId.set(sent.event.messageId, attempts);
  }
  return byId;
}

const accepted = (sent: WireEvent) => !sent.request.injected && sent.request.status !== undefined && sent.request.status < 300;

/** Context fields that the collector's enrichment owns (from the user agent, the IP, the cookie, the campaign). */
const ENRICHED_CONTEXT = new Set(['ip', 'location', 'browser', 'os', 'device', 'bot', 'channel', 'clockSkew']);
/** Top-level fields compared on their own below, or a client's private hints that need not be kept. */
const COMPARED_APART = new Set(['userId', 'anonymousId', 'context', 'timestamp', 'originalTimestamp', 'sentAt', 'writeKey', '_metadata']);
/** How far the corrected `timestamp` may be from the client's time on one machine: retries re-send old `sentAt`s. */
const TIMESTAMP_TOLERANCE_MS = 10_000;

const noId = (value: unknown) => value === undefined || value === null || value === '';
const show = (value: unknown) => JSON.stringify(value) ?? 'undefined';

/** What differs between an event as the client sent it and as the collector stored it; empty when intact. */
export function intactProblems(sent: Json, stored: Json, expected: { source: string; server?: boolean }): string[] {
  const problems: string[] = [];
  const differ = (field: string, want: unknown, got: unknown) => {
    if (!isDeepStrictEqual(got, want)) problems.push(`${field}: sent ${show(want)}, stored ${show(got)}`);
  };
  for (const [field, value] of Object.entries(sent)) if (!COMPARED_APART.has(field)) differ(field, value, stored[field]);
  // `userId: null` (analytics-next) and `""` (RudderStack) mean "no user yet": stored as no id.
  for (const field of ['userId', 'anonymousId'] as const) {
    if (noId(sent[field])) {
      if (!noId(stored[field])) problems.push(`${field}: sent ${show(sent[field])}, stored ${show(stored[field])}`);
    } else differ(field, sent[field], stored[field]);
  }
  for (const [field, value] of Object.entries(sent.context ?? {})) {
    if (!ENRICHED_CONTEXT.has(field)) differ(`context.${field}`, value, stored.context?.[field]);
  }
  // The client's own time: RudderStack sends `originalTimestamp`, Segment's libraries `timestamp`.
  // With both (rudder-sdk-node given a `timestamp`), `timestamp` is when it happened, kept as given.
  const clientTime = sent.originalTimestamp ?? sent.timestamp;
  if (clientTime !== undefined) {
    if (Date.parse(stored.originalTimestamp) !== Date.parse(clientTime)) differ('originalTimestamp', clientTime, stored.originalTimestamp);
    if (sent.originalTimestamp !== undefined && sent.timestamp !== undefined) {
      if (Date.parse(stored.timestamp) !== Date.parse(sent.timestamp)) differ('timestamp', sent.timestamp, stored.timestamp);
    } else {
      const drift = Math.abs(Date.parse(stored.timestamp) - Date.parse(clientTime));
      if (!(drift <= TIMESTAMP_TOLERANCE_MS)) problems.push(`timestamp: ${show(stored.timestamp)} is not the client's ${clientTime} corrected for its clock`);
    }
  }
  if ('writeKey' in stored) problems.push("writeKey: the source's key was stored with the event");
  if (stored.source !== expected.source) problems.push(`source: expected ${show(expected.source)}, stored ${show(stored.source)}`);
  if (expected.server && stored.context?.bot === true) problems.push('context.bot: a server library with a server key was flagged as a bot');
  return problems;
}

/** A request with its answer; a preflight with the headers asked for and allowed. */
const describeRequest = (r: RecordedRequest) =>
  r.method === 'OPTIONS'
    ? `OPTIONS ${r.url} → ${r.status}, asked for [${r.headers['access-control-request-headers'] ?? ''}], allowed [${r.answerHeaders?.['access-control-allow-headers'] ?? ''}]`
    : `${r.method} ${r.url} → ${r.status ?? 'no answer yet'}${r.injected ? ' (injected)' : ''}`;

/** Each request that reached the proxy, with its answer. */
export function whatReached(requests: readonly RecordedRequest[]): string[] {
  return requests.map(describeRequest);
}

export interface Expected {
  /** How many calls the client was asked to make: one message id each. */
  calls: number;
  /** The write key's name, recorded as each event's `source`. */
  source: string;
  /** A server library with a server key: never flagged as a bot. */
  server?: boolean;
  dataDir?: string;
}

/**
 * Everything wrong with how the events that clients sent through the proxy landed at the NDJSON
 * sink: every call must have reached the collector's address; each event must have been accepted
 * (2xx) at least once, be stored exactly once (events and bots streams together), never in the
 * failed stream, and intact as sent in its first accepted attempt (the copy the collector's de-dup
 * keeps). Empty when every call landed once and intact.
 */
export async function deliveryProblems(requests: readonly RecordedRequest[], expected: Expected): Promise<string[]> {
  const sent = attemptsById(requests);
  if (sent.size !== expected.calls) {
    return [`${sent.size} of ${expected.calls} calls reached the collector's address; what did:`, ...whatReached(requests)];
  }
  const stored = [...(await readStream('events', expected.dataDir)), ...(await readStream('bots', expected.dataDir))];
  const failed = await readStream('failed', expected.dataDir);
  const problems: string[] = [];
  for (const [id, attempts] of sent) {
    const first = attempts[0]!.event;
    const label = `${id} (${first.type} ${first.event ?? first.name ?? ''})`.replace(/ \)$/, ')');
    const copies = stored.filter((e) => e.messageId === id);
    const rejections = failed.filter((f) => f.event?.messageId === id).map((f) => f.reason);
    if (rejections.length) problems.push(`${label}: in the failed stream: ${rejections.join(' | ')}`);
    const firstAccepted = attempts.find(accepted);
    if (!firstAccepted) {
      problems.push(`${label}: never accepted: ${attempts.map((a) => describeRequest(a.request)).join(', ')}`);
      continue;
    }
    if (copies.length !== 1) {
      problems.push(`${label}: stored ${copies.length} times`);
      continue;
    }
    problems.push(...intactProblems(firstAccepted.event, copies[0]!, expected).map((p) => `${label}: ${p}`));
  }
  // A retry refused by its preflight never shows as a POST: the trace says why.
  if (problems.some((p) => p.includes('never accepted'))) problems.push("what reached the collector's address:", ...whatReached(requests));
  return problems;
}
