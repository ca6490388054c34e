import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import type { CollectorEnv } from '../../hono-env';
import { createKeyRing } from '../../keys';
import { allowedOrigin } from '.';

const keys = createKeyRing([
  { key: 'web', kind: 'browser', allowedOrigins: ['https://shop.example'] },
  { key: 'any', kind: 'browser', allowedOrigins: ['*'] },
  { key: 'srv', kind: 'server', allowedOrigins: ['https://shop.example'] },
]);
const app = new Hono<CollectorEnv>();
app.onError((e, c) => c.json({ error: e.message }, e instanceof HTTPException ? e.status : 500));
app.post('/:key', async (c, next) => {
  c.set('source', keys.find(c.req.param('key'))!);
  await next();
}, allowedOrigin(), (c) => c.text('ok'));

const status = async (key: string, origin?: string) =>
  (await app.request(`/${key}`, { method: 'POST', headers: origin ? { origin } : {} })).status;

describe('allowedOrigin', () => {
  it('lets a browser key in only from its origins', async () => {
    expect(await status('web', 'https://shop.example')).toBe(200);
    expect(await status('web', 'https://evil.example')).toBe(403);
    expect(await status('web', 'null')).toBe(403);
  });

  it('lets through requests without an Origin, keys open to any origin, and server keys', async () => {
    expect(await status('web')).toBe(200);
    expect(await status('any', 'https://evil.example')).toBe(200);
    expect(await status('srv', 'https://evil.example')).toBe(200);
  });

  it('tells the CORS layer which origins some browser key accepts', () => {
    const strict = createKeyRing([{ key: 'web', kind: 'browser', allowedOrigins: ['https://shop.example'] }, { key: 's', kind: 'server', allowedOrigins: ['*'] }]);
    expect(strict.acceptsOrigin('https://shop.example')).toBe(true);
    expect(strict.acceptsOrigin('https://evil.example')).toBe(false);
  });
});
