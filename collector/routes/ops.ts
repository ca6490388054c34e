import { Hono } from 'hono';
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
