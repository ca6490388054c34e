import { v4 as uuidv4 } from 'uuid';
import type { Context, TouchpointEvent } from '../../../sdk/protocol/types';
import { createChannelClassifier, touchFromContext, type ChannelOptions } from './channel';
import type { GeoLookup } from './geo';
import { anonymizeIp } from './ip';
import { createPiiHasher, type PiiOptions } from './pii';
import { stampTime, type TimeFields } from './time';
import { createUserAgentParser } from './user-agent';

/** What the collector knows about the request an event came in. */
export interface RequestFacts {
  /** The name of the write key the events came with. */
  source: string;
  receivedAt: Date;
  /** The client's address: for browser keys only (a server key's requests come from the backend's). */
  ip?: string;
  /** The request's User-Agent header, used when the event has no `context.userAgent` (browser keys only). */
  userAgent?: string;
  /** The batch's `sentAt`. */
  sentAt?: string;
  /** From the collector's first-party cookie. */
  deviceId?: string;
}

export type EnrichedEvent = TouchpointEvent & TimeFields & { messageId: string; context: Context; source: string };

export interface EnricherOptions {
  anonymizeIp: boolean;
  geo?: GeoLookup;
  pii?: PiiOptions;
  channels?: ChannelOptions;
}

/**
 * The enrichment steps, in order: time, message id, geo and IP, user agent and bot flag,
 * channel, device id, PII hashing. Each step is its own module with its own test.
 * The steps change the event in place: it must be one the caller owns (the parsed body or zod's copy).
 */
export function createEnricher({ anonymizeIp: anonymize, geo, pii, channels }: EnricherOptions) {
  const parseUserAgent = createUserAgentParser();
  const classify = createChannelClassifier(channels);
  const hashPii = pii && createPiiHasher(pii);

  // Every event of a request shares its receive time and IP: formatted and anonymised once.
  let formattedFor: Date | undefined;
  let receivedAt = '';
  let lastIp: string | undefined;
  let lastStoredIp: string | undefined;

  // The event is changed in place, never copied: V8 gives an object made by a spread no cached
  // transitions, so each property added to it after costs microseconds (the collector's hot spot).
  return (valid: TouchpointEvent, request: RequestFacts): EnrichedEvent => {
    if (request.receivedAt !== formattedFor) {
      formattedFor = request.receivedAt;
      receivedAt = formattedFor.toISOString();
    }
    const time = stampTime(valid, request.receivedAt, request.sentAt, receivedAt);
    const event = valid as EnrichedEvent;
    const context: Context = (event.context ??= {});
    event.timestamp = time.timestamp;
    if (time.originalTimestamp !== undefined) event.originalTimestamp = time.originalTimestamp;
    if (time.sentAt !== undefined) event.sentAt = time.sentAt;
    event.receivedAt = time.receivedAt;
    event.messageId ??= uuidv4();
    event.source = request.source;
    if (time.skewFlag !== undefined) context.clockSkew = { ms: time.skewFlag, corrected: false };

    const ip = context.ip ?? request.ip;
    if (ip) {
      if (geo && context.location === undefined) {
        const location = geo(ip);
        if (location) context.location = location;
      }
      if (ip !== lastIp) {
        lastIp = ip;
        lastStoredIp = anonymize ? anonymizeIp(ip) : ip;
      }
      const stored = lastStoredIp;
      if (stored) context.ip = stored;
      else delete context.ip;
    }

    const userAgent = context.userAgent ?? request.userAgent;
    if (userAgent) {
      const facts = parseUserAgent(userAgent);
      if (facts.browser && context.browser === undefined) context.browser = facts.browser;
      if (facts.os && context.os === undefined) context.os = facts.os;
      if (facts.device) {
        // The parser's facts are shared by every event with that user agent: copied, not changed.
        context.device = context.device === undefined ? { ...facts.device } : { ...facts.device, ...(context.device as object) };
      }
      if (facts.bot) context.bot = true;
    }

    context.channel = classify(touchFromContext(context));
    if (request.deviceId) context.device = { ...(context.device as object | undefined), id: request.deviceId };
    hashPii?.(event as unknown as Record<string, unknown>);
    return event;
  };
}

export type Enricher = ReturnType<typeof createEnricher>;
