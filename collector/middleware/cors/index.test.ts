import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { HttpError, handleError } from '../../errors';
import type { CollectorEnv } from '../../hono-env';
import { createKeyRing } from '../../keys';
import { ingestCors } from '.';

const keys = createKeyRing([
  { key: 'shop', kind: 'browser', allowedOrigins: ['https://shop.example'] },
  { key: 'blog', kind: 'browser', allowedOrigins: ['https://blog.example'] },
  { key: 'any', kind: 'browser', allowedOrigins: ['*'] },
]);

function appWith(credentials: boolean) {
  const app = new Hono<CollectorEnv>();
  app.onError(handleError(() => {}));
  app.use('*', ingestCors({ keys, credentials }));
  // The key as the auth middleware would find it.
  app.use('*', async (c, next) => {
    const key = c.req.header('x-write-key');
    if (key) c.set('source', keys.find(key)!);
    await next();
  });
  app.post('/ok', (c) => c.json({ success: true }));
  app.post('/busy', () => {
    throw new HttpError(503, 'busy', { retryAfter: 5 });
  });
  return app;
}
const post = (app: Hono<CollectorEnv>, path: string, headers: Record<string, string>) => app.request(path, { method: 'POST', headers });
const preflight = (app: Hono<CollectorEnv>, origin: string, requestHeaders?: string) =>
  app.request('/ok', {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', ...(requestHeaders && { 'access-control-request-headers': requestHeaders }) },
  });

describe('ingestCors', () => {
  it("lets an origin read the answer only when the request's own key accepts it", async () => {
    const app = appWith(false);
    const ok = await post(app, '/ok', { origin: 'https://shop.example', 'x-write-key': 'shop' });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(ok.headers.get('access-control-expose-headers')).toBe('Retry-After');
    expect(ok.headers.get('vary')).toBe('Origin');
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    // Allowed for another key is not allowed for this one.
    expect((await post(app, '/ok', { origin: 'https://blog.example', 'x-write-key': 'shop' })).headers.get('access-control-allow-origin')).toBeNull();
    expect((await post(app, '/ok', { origin: 'https://evil.example', 'x-write-key': 'shop' })).headers.get('access-control-allow-origin')).toBeNull();
    expect((await post(app, '/ok', {})).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never answers the null origin of sandboxed frames and files, even for a key open to any origin', async () => {
    for (const credentials of [false, true]) {
      const app = appWith(credentials);
      expect((await post(app, '/ok', { origin: 'null', 'x-write-key': 'any' })).headers.get('access-control-allow-origin')).toBeNull();
      expect((await preflight(app, 'null')).headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('gives credentials only to an origin the key lists by name, never to a key open to any origin', async () => {
    const app = appWith(true);
    const listed = await post(app, '/ok', { origin: 'https://shop.example', 'x-write-key': 'shop' });
    expect(listed.headers.get('access-control-allow-credentials')).toBe('true');
    const wildcard = await post(app, '/ok', { origin: 'https://anyone.example', 'x-write-key': 'any' });
    expect(wildcard.headers.get('access-control-allow-origin')).toBe('https://anyone.example');
    expect(wildcard.headers.get('access-control-allow-credentials')).toBeNull();
    expect((await preflight(app, 'https://anyone.example')).headers.get('access-control-allow-credentials')).toBeNull();
    expect((await preflight(app, 'https://shop.example')).headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('adds the headers to error answers too, so a page can read a 503 and its Retry-After', async () => {
    const busy = await post(appWith(true), '/busy', { origin: 'https://shop.example', 'x-write-key': 'shop' });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(busy.headers.get('access-control-expose-headers')).toBe('Retry-After');
    expect(busy.headers.get('retry-after')).toBe('5');
  });

  it("allows the headers real clients ask for (Segment's X-Retry-Count, RudderStack's AnonymousId and Rsa-*), within bounds", async () => {
    const app = appWith(false);
    const asked = 'content-type, x-retry-count, anonymousid, sentat, rsa-request-attempt';
    const res = await preflight(app, 'https://shop.example', asked);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(res.headers.get('access-control-allow-headers')).toBe(asked);
    expect(res.headers.get('access-control-max-age')).toBe('86400');
    // Not a header list: the fixed list instead.
    expect((await preflight(app, 'https://shop.example', 'content-type, <script>')).headers.get('access-control-allow-headers')).toBe(
      'Content-Type, Authorization, Content-Encoding, X-Write-Key',
    );
    expect((await preflight(app, 'https://shop.example', Array(40).fill('x-a').join(','))).headers.get('access-control-allow-headers')).not.toContain('x-a');
  });
});
