import { v4 as uuidv4 } from 'uuid';
import type { EnrichStep } from './step';

/** The event's identity: its messageId (one is made when the client sent none) and its source. */
export const idsStep = (): EnrichStep => (event, request) => {
  event.messageId ??= uuidv4();
  event.source = request.source;
};
