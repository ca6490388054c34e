import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import type { CollectorEnv } from '../../hono-env';
import { createKeyRing } from '../../keys';
import { createMemoryRateLimiter } from '../../state/rate-limiter';
import { rateLimit } from '.';

function appWith(limited: string[]) {
  const keys = createKeyRing([
    { key: 'web', kind: 'browser', allowedOrigins: ['*'], rateLimit: { eventsPerSecond: 1, burst: 10 }, ipRateLimit: { eventsPerSecond: 1, burst: 4 } },
    { key: 'srv', kind: 'server', allowedOrigins: ['*'], ipRateLimit: { eventsPerSecond: 1, burst: 1 } },
  ]);
  const app = new Hono<CollectorEnv>();
  app.onError((e, c) => (e instanceof HTTPException ? e.getResponse() : c.text('boom', 500)));
  app.post(
    '/:key',
    async (c, next) => {
      c.set('source', keys.find(c.req.param('key'))!);
      c.set('body', await c.req.json());
      await next();
    },
    rateLimit({ limiter: createMemoryRateLimiter(), clientIp: (c) => c.req.header('x-ip'), onLimited: (source, scope) => limited.push(`${source}:${scope}`) }),
    (c) => c.text('ok'),
  );
  return app;
}

const send = (app: Hono<CollectorEnv>, key: string, events: number, ip = '1.1.1.1') =>
  app.request(`/${key}`, { method: 'POST', headers: { 'x-ip': ip }, body: JSON.stringify({ batch: Array(events).fill({}) }) });

describe('rateLimit', () => {
  it('charges a batch by its events, per client IP for browser keys, then per key', async () => {
    const limited: string[] = [];
    const app = appWith(limited);
    expect((await send(app, 'web', 4)).status).toBe(200);
    const perIp = await send(app, 'web', 1);
    expect(perIp.status).toBe(429);
    expect(perIp.headers.get('retry-after')).toBe('1');
    expect((await send(app, 'web', 4, '2.2.2.2')).status).toBe(200);
    expect((await send(app, 'web', 4, '3.3.3.3')).status).toBe(429); // the key's 10 are spent
    expect(limited).toEqual(['web:ip', 'web:key']);
  });

  it('does not limit server keys per IP', async () => {
    const app = appWith([]);
    expect((await send(app, 'srv', 5)).status).toBe(200);
    expect((await send(app, 'srv', 5)).status).toBe(200);
  });
});
