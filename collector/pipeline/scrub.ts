import { anonymizeIp } from './enrich/ip';
import { createPiiHasher, type PiiOptions } from './enrich/pii';

export interface ScrubOptions {
  anonymizeIp: boolean;
  pii?: PiiOptions;
}

/**
 * What is done to personal data in a valid event, done to one that failed validation before it is
 * stored in the failed stream: the configured PII paths hashed, `context.ip` anonymised. The raw
 * event is changed in place (the parsed body's own).
 */
export function createScrubber({ anonymizeIp: anonymize, pii }: ScrubOptions): (raw: unknown) => void {
  const hashPii = pii && createPiiHasher(pii);
  return (raw) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return;
    const event = raw as Record<string, unknown>;
    hashPii?.(event);
    const context = event.context;
    if (anonymize && typeof context === 'object' && context !== null && !Array.isArray(context)) {
      const ctx = context as Record<string, unknown>;
      if (typeof ctx.ip === 'string') {
        const stored = anonymizeIp(ctx.ip);
        if (stored) ctx.ip = stored;
        else delete ctx.ip;
      }
    }
  };
}
