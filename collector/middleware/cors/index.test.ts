import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import type { CollectorEnv } from '../../hono-env';
import { ingestCors } from '.';

function appWith(credentials: boolean) {
  const app = new Hono<CollectorEnv>();
  app.onError((e, c) => (e instanceof HTTPException && e.res) || c.json({ error: e.message }, 500));
  app.use('*', ingestCors({ acceptsOrigin: (o) => o === 'https://shop.example', credentials }));
  app.post('/ok', (c) => c.json({ success: true }));
  app.post('/busy', () => {
    throw new HTTPException(503, { res: Response.json({ success: false }, { status: 503, headers: { 'retry-after': '5' } }) });
  });
  return app;
}
const post = (app: Hono<CollectorEnv>, path: string, origin?: string) =>
  app.request(path, { method: 'POST', headers: origin ? { origin } : {} });

describe('ingestCors', () => {
  it('lets an accepted origin read the answer, and only that origin', async () => {
    const app = appWith(false);
    const ok = await post(app, '/ok', 'https://shop.example');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(ok.headers.get('vary')).toBe('Origin');
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    expect(await ok.json()).toEqual({ success: true });
    expect((await post(app, '/ok', 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    expect((await post(app, '/ok')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('adds the headers to error answers too, so a page can read a 503 and its Retry-After', async () => {
    const busy = await post(appWith(true), '/busy', 'https://shop.example');
    expect(busy.status).toBe(503);
    expect(busy.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(busy.headers.get('access-control-allow-credentials')).toBe('true');
    expect(busy.headers.get('retry-after')).toBe('5');
  });

  it('answers preflights with the methods and headers the SDK sends', async () => {
    const res = await appWith(true).request('/ok', {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(res.headers.get('access-control-allow-headers')).toContain('Content-Encoding');
    expect(res.headers.get('access-control-max-age')).toBe('86400');
  });
});
