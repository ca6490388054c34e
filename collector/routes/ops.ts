import { timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { Metrics } from '../metrics';

export interface OpsRoutesOptions {
  metrics: Metrics;
  /** Whether the collector can store events now (sinks, shared state). */
  ready: () => Promise<{ ready: boolean; checks: Record<string, string> }>;
}

/** `/healthz` (the process answers), `/readyz` (it can store events), `/metrics` (Prometheus). */
export function opsRoutes({ metrics, ready }: OpsRoutesOptions): Hono {
  const routes = new Hono();
  routes.get('/healthz', (c) => c.json({ status: 'ok' }));
  routes.get('/readyz', async (c) => {
    const { ready: ok, checks } = await ready();
    return c.json({ status: ok ? 'ready' : 'unavailable', checks }, ok ? 200 : 503);
  });
  routes.get('/metrics', async (c) => c.text(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
  return routes;
}

/** Whether the request carries `Authorization: Bearer <token>` (compared in constant time). */
export function bearerMatches(token: string | undefined): (c: Context) => boolean {
  if (!token) return () => false;
  const expected = Buffer.from(token);
  return (c) => {
    const given = Buffer.from(/^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}
