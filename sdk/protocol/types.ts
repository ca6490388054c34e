/**
 * The wire protocol as TypeScript types, following the public Segment tracking spec.
 * The SDK imports these with `import type` (zero bytes at run time); `schemas.ts` holds the
 * zod schemas the collector validates with, and `protocol.test.ts` keeps the two in step.
 */

export type EventType = 'track' | 'page' | 'screen' | 'identify' | 'group' | 'alias';

export type Properties = Record<string, unknown>;
export type Traits = Record<string, unknown>;

export interface LibraryContext {
  [key: string]: unknown;
  name: string;
  version: string;
}

export interface PageContext {
  [key: string]: unknown;
  path?: string;
  referrer?: string;
  search?: string;
  title?: string;
  url?: string;
}

export interface ScreenContext {
  [key: string]: unknown;
  width?: number;
  height?: number;
  density?: number;
}

/** Segment's `context`; Touchpoint's own additions (session, attribution, ...) live here too. */
export interface Context {
  [key: string]: unknown;
  library?: LibraryContext;
  page?: PageContext;
  screen?: ScreenContext;
  userAgent?: string;
  locale?: string;
  timezone?: string;
  ip?: string;
}

interface BaseEvent {
  messageId?: string;
  anonymousId?: string;
  userId?: string;
  /** When the event happened, by the client's clock (ISO 8601). */
  timestamp?: string;
  /** The client's own time for it, as RudderStack's SDKs send it; then a `timestamp` sent too was set by the user. */
  originalTimestamp?: string;
  /** When the client sent it, by the client's clock: the collector corrects skew with it. */
  sentAt?: string;
  context?: Context;
  integrations?: Record<string, unknown>;
  /** Where the event was sent from, as RudderStack's SDKs say it (`web`, `server`, `mobile`). */
  channel?: string;
}

export interface TrackEvent extends BaseEvent {
  type: 'track';
  event: string;
  properties?: Properties;
}

export interface PageEvent extends BaseEvent {
  type: 'page';
  name?: string;
  category?: string;
  properties?: Properties;
}

export interface ScreenEvent extends BaseEvent {
  type: 'screen';
  name?: string;
  category?: string;
  properties?: Properties;
}

export interface IdentifyEvent extends BaseEvent {
  type: 'identify';
  traits?: Traits;
}

export interface GroupEvent extends BaseEvent {
  type: 'group';
  groupId: string;
  traits?: Traits;
}

export interface AliasEvent extends BaseEvent {
  type: 'alias';
  userId: string;
  previousId: string;
}

export type TouchpointEvent = TrackEvent | PageEvent | ScreenEvent | IdentifyEvent | GroupEvent | AliasEvent;

/** The body of `POST /v1/batch`. Top-level `context` is merged under each event's own. */
export interface Batch {
  batch: TouchpointEvent[];
  sentAt?: string;
  writeKey?: string;
  context?: Context;
  integrations?: Record<string, unknown>;
}

export interface RejectedEvent {
  messageId: string | null;
  reason: string;
}

/** The collector's answer to an accepted request. */
export interface BatchResponse {
  success: true;
  accepted: number;
  /** Events already received (same write key and messageId): not written again. */
  duplicates: number;
  rejected: RejectedEvent[];
}
