import { timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { Metrics } from '../metrics';

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

export interface OpsRoutesOptions {
  metrics: Metrics;
  /** Whether the collector can take events now, and each check's state. */
  ready: () => Promise<Readiness>;
  /** The sinks' state and lag, for the operator. */
  health: () => Promise<Record<string, unknown>>;
  /** Whether a request may see operations detail: always on the admin listener; with the token on the public one. */
  isAdmin: (c: Context) => boolean;
}

/**
 * `/healthz` (the process answers) and `/readyz` (it can take events) for load balancers; their
 * detail (the sinks' state and lag, the checks) and `/metrics` only for the operator: elsewhere
 * `/metrics` is a 404 like any unknown path.
 */
export function opsRoutes({ metrics, ready, health, isAdmin }: OpsRoutesOptions): Hono {
  const routes = new Hono();
  routes.get('/healthz', async (c) => c.json({ status: 'ok', ...(isAdmin(c) && (await health())) }));
  routes.get('/readyz', async (c) => {
    const { ready: ok, checks } = await ready();
    return c.json({ status: ok ? 'ready' : 'unavailable', ...(isAdmin(c) && { checks }) }, ok ? 200 : 503);
  });
  routes.get('/metrics', async (c, next) => {
    if (!isAdmin(c)) return next();
    return c.text(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType });
  });
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
