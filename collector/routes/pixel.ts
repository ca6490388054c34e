import { Hono, type Context as HonoContext } from 'hono';
import type { Logger } from 'pino';
import type { KeyRing } from '../keys';
import type { createDeliver } from '../pipeline/deliver';
import type { Ingest } from '../pipeline/ingest';

// The smallest transparent GIF.
const GIF = Uint8Array.from(atob('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7'), (ch) => ch.charCodeAt(0));
const MAX_DATA_CHARS = 16 * 1024;

export interface PixelRoutesOptions {
  keys: KeyRing;
  ingest: Ingest;
  deliver: ReturnType<typeof createDeliver>;
  clientIp: (c: HonoContext) => string | undefined;
  logger: Logger;
  onUnauthorised?: () => void;
}

/**
 * `GET /v1/pixel/track|page?data=<base64 JSON>` for e-mail opens and pages without JavaScript.
 * It always answers the GIF: an image tag cannot act on an error. Invalid events still go to the
 * failed stream; requests without a known write key are only counted.
 */
export function pixelRoutes({ keys, ingest, deliver, clientIp, logger, onUnauthorised }: PixelRoutesOptions): Hono {
  const routes = new Hono();
  routes.get('/:type{track|page}', async (c) => {
    try {
      const data = c.req.query('data') ?? '';
      const event = decode(data);
      const key = c.req.query('writeKey') ?? (typeof event?.writeKey === 'string' ? event.writeKey : undefined);
      const source = key ? keys.find(key) : undefined;
      if (!source) {
        onUnauthorised?.();
      } else {
        const { writeKey: _key, ...fields } = event ?? {};
        const result = ingest([event ? fields : data.slice(0, 1024)], {
          routeType: c.req.param('type') as 'track' | 'page',
          writeKeyName: source.name,
          receivedAt: new Date(),
          ip: clientIp(c),
          userAgent: c.req.header('user-agent'),
          bodyBytes: data.length,
        });
        await deliver(result, source);
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

function decode(data: string): Record<string, unknown> | undefined {
  if (!data || data.length > MAX_DATA_CHARS) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(data, 'base64url').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
