import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import type { CollectorEnv } from '../hono-env';
import { sourceAcceptsOrigin, type KeyRing, type Source } from '../keys';
import type { Deliver, Delivered, Sender } from '../pipeline/deliver';
import type { RequestFacts } from '../pipeline/enrich';
import type { Ingest, IngestResult } from '../pipeline/ingest';

// The smallest transparent GIF.
const GIF = Uint8Array.from(atob('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7'), (ch) => ch.charCodeAt(0));
const MAX_DATA_CHARS = 16 * 1024;

export type PixelRefusal = 'unknown key' | 'origin' | 'rate limit';

export interface PixelRoutesOptions {
  keys: KeyRing;
  ingest: Ingest;
  deliver: Deliver;
  senderOf: (c: Context<CollectorEnv>) => Sender;
  requestFacts: (c: Context<CollectorEnv>) => Pick<RequestFacts, 'ip' | 'userAgent' | 'deviceId'>;
  logger: Logger;
  onOutcome?: (source: string, result: IngestResult, delivered: Delivered) => void;
  /** A pixel request not stored, and why (the GIF is answered all the same). */
  onRefused?: (reason: PixelRefusal) => void;
}

/**
 * `GET /v1/pixel/track|page?data=<base64 JSON>` for e-mail opens and pages without JavaScript.
 * It always answers the GIF: an image tag cannot act on an error. The same rules as the ingest
 * routes hold: a known key, its allowed origins (from `Origin` or `Referer`, when the client sends
 * one: e-mail clients send neither), its rate limits. Invalid events still go to the failed stream.
 */
export function pixelRoutes({ keys, ingest, deliver, senderOf, requestFacts, logger, onOutcome, onRefused }: PixelRoutesOptions): Hono<CollectorEnv> {
  const routes = new Hono<CollectorEnv>();
  routes.get('/:type{track|page}', async (c) => {
    try {
      const data = c.req.query('data') ?? '';
      const event = decode(data);
      const key = c.req.query('writeKey') ?? (typeof event?.writeKey === 'string' ? event.writeKey : undefined);
      const source = key ? keys.find(key) : undefined;
      if (!source) onRefused?.('unknown key');
      else if (!originAllowed(c, source)) onRefused?.('origin');
      else {
        c.set('source', source);
        const sender = senderOf(c);
        const result = ingest([event ?? data.slice(0, 1024)], {
          routeType: c.req.param('type') as 'track' | 'page',
          source: sender.source,
          receivedAt: new Date(),
          ...requestFacts(c),
          bodyBytes: data.length,
        });
        const delivered = await deliver(result, sender);
        onOutcome?.(sender.source, result, delivered);
        if (delivered.limited > 0) onRefused?.('rate limit');
      }
    } catch (error) {
      logger.warn({ err: error }, 'pixel event not stored');
    }
    return c.body(GIF, 200, {
      'content-type': 'image/gif',
      'cache-control': 'no-store, no-cache, must-revalidate, max-age=0',
      pragma: 'no-cache',
    });
  });
  return routes;
}

/** A browser key's origins hold for a pixel too, when the request says where it comes from. */
function originAllowed(c: Context, source: Source): boolean {
  if (source.kind !== 'browser') return true;
  const origin = c.req.header('origin') ?? originOf(c.req.header('referer'));
  return origin === undefined || sourceAcceptsOrigin(source, origin);
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return 'null';
  }
}

function decode(data: string): Record<string, unknown> | undefined {
  if (!data || data.length > MAX_DATA_CHARS) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(data, 'base64url').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
