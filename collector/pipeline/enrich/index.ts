import type { TouchpointEvent } from '../../../sdk/protocol/types';
import type { StoredEvent } from '../../records';
import { channelStep, type ChannelOptions } from './channel';
import { deviceIdStep } from './device-id';
import type { GeoLookup } from './geo';
import { idsStep } from './ids';
import { locationStep } from './location';
import { piiStep, type PiiOptions } from './pii';
import type { EnrichStep, RequestFacts } from './step';
import { timeStep } from './time';
import { userAgentStep } from './user-agent';

export type { EnrichStep, RequestFacts } from './step';

export interface EnricherOptions {
  anonymizeIp: boolean;
  geo?: GeoLookup;
  pii?: PiiOptions;
  channels?: ChannelOptions;
}

/**
 * The enrichment steps, in order, one module each with its own test: time, ids, location, user
 * agent, channel, device id, PII hashing (last, so that every other step reads the values sent).
 */
export function createEnricher({ anonymizeIp, geo, pii, channels }: EnricherOptions): (valid: TouchpointEvent, request: RequestFacts) => StoredEvent {
  const steps: EnrichStep[] = [
    timeStep(),
    idsStep(),
    locationStep({ anonymize: anonymizeIp, geo }),
    userAgentStep(),
    channelStep(channels),
    deviceIdStep(),
    ...(pii ? [piiStep(pii)] : []),
  ];
  return (valid, request) => {
    const event = valid as StoredEvent;
    event.context ??= {};
    for (const step of steps) step(event, request);
    return event;
  };
}

export type Enricher = ReturnType<typeof createEnricher>;
