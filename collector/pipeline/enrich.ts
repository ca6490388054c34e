import { v4 as uuidv4 } from 'uuid';
import type { TouchpointEvent } from '../../sdk/protocol/types';

/** What the collector adds to every accepted event. */
export type EnrichedEvent = TouchpointEvent & {
  messageId: string;
  timestamp: string;
  originalTimestamp?: string;
  receivedAt: string;
};

export interface EnrichInput {
  receivedAt: Date;
  /** Client address as the collector saw it. */
  ip?: string;
  /** The batch's `sentAt`, used when the event has none of its own. */
  sentAt?: string;
}

/**
 * Stamps `receivedAt`, keeps the client's time as `originalTimestamp`, and corrects `timestamp`
 * for the client's clock skew as Segment does: receivedAt - (sentAt - originalTimestamp).
 */
export function enrichEvent(event: TouchpointEvent, { receivedAt, ip, sentAt }: EnrichInput): EnrichedEvent {
  const receivedIso = receivedAt.toISOString();
  const original = event.timestamp;
  const sent = event.sentAt ?? sentAt;
  let timestamp = original ?? receivedIso;
  if (original && sent) {
    timestamp = new Date(receivedAt.getTime() - (Date.parse(sent) - Date.parse(original))).toISOString();
  }
  const context = ip && event.context?.ip === undefined ? { ...event.context, ip } : event.context;
  return {
    ...event,
    messageId: event.messageId ?? uuidv4(),
    timestamp,
    ...(original && { originalTimestamp: original }),
    ...(sent && { sentAt: sent }),
    receivedAt: receivedIso,
    ...(context && { context }),
  };
}
