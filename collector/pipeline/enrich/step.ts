import type { StoredEvent } from '../../records';

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

/**
 * One enrichment step: changes the event in place. The event is one the pipeline owns (the parsed
 * body's or zod's copy), and is never copied: V8 gives an object made by a spread no cached
 * transitions, so each property added to it after costs microseconds.
 */
export type EnrichStep = (event: StoredEvent, request: RequestFacts) => void;
