import type { GeoLookup } from './geo';
import { anonymizeIp } from './ip';
import type { EnrichStep } from './step';

/**
 * Where the event came from: `context.location` from the MaxMind database (looked up on the full
 * address), then `context.ip` anonymised (unless configured otherwise). The event's own
 * `context.ip` wins over the request's.
 */
export function locationStep({ anonymize, geo }: { anonymize: boolean; geo?: GeoLookup }): EnrichStep {
  // Every event of a request shares its address: anonymised once.
  let lastIp: string | undefined;
  let lastStored: string | undefined;
  return (event, request) => {
    const context = event.context;
    const ip = context.ip ?? request.ip;
    if (!ip) return;
    if (geo && context.location === undefined) {
      const location = geo(ip);
      if (location) context.location = location;
    }
    if (ip !== lastIp) {
      lastIp = ip;
      lastStored = anonymize ? anonymizeIp(ip) : ip;
    }
    if (lastStored) context.ip = lastStored;
    else delete context.ip;
  };
}
