import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { CollectorEnv } from '../../hono-env';

export interface IngestCorsOptions {
  acceptsOrigin: (origin: string) => boolean;
  /** Whether the browser may send and receive cookies (the device-id cookie). */
  credentials: boolean;
}

/**
 * CORS for the ingest API. Preflights are hono's `cors`. On the request itself the headers are
 * added to the finished response: hono's `cors` writes them on `c.res` before the handler runs,
 * and the handler's response merged into that one makes @hono/node-server build a full web
 * `Response` per request (about 4 % of the collector's CPU under load).
 */
export function ingestCors({ acceptsOrigin, credentials }: IngestCorsOptions): MiddlewareHandler<CollectorEnv> {
  const preflight = cors({
    origin: (origin) => (acceptsOrigin(origin) ? origin : null),
    allowMethods: ['POST', 'GET', 'OPTIONS'],
    allowHeaders: ['Content-Type', 'Authorization', 'Content-Encoding', 'X-Write-Key'],
    credentials,
    maxAge: 86400,
  });
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    await next();
    const origin = c.req.header('origin');
    const headers = c.res.headers;
    if (origin && acceptsOrigin(origin)) headers.set('Access-Control-Allow-Origin', origin);
    if (credentials) headers.set('Access-Control-Allow-Credentials', 'true');
    headers.append('Vary', 'Origin');
  };
}
