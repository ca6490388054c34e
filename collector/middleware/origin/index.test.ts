import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import type { CollectorEnv } from '../../hono-env';
import { createKeyRing } from '../../keys';
import { allowedOrigin } from '.';
import { miniprogramAppId } from './miniprogram';

const keys = createKeyRing([
  { key: 'web', kind: 'browser', allowedOrigins: ['https://shop.example'] },
  { key: 'any', kind: 'browser', allowedOrigins: ['*'] },
  { key: 'srv', kind: 'server', allowedOrigins: ['https://shop.example'] },
]);
/** A route behind allowedOrigin, with the source auth would have set from the path's key. */
function appFor(ring: ReturnType<typeof createKeyRing>) {
  const app = new Hono<CollectorEnv>();
  app.onError((e, c) => c.json({ error: e.message }, e instanceof HTTPException ? e.status : 500));
  app.post(
    '/:key',
    async (c, next) => {
      c.set('source', ring.find(c.req.param('key'))!);
      await next();
    },
    allowedOrigin(),
    (c) => c.text('ok'),
  );
  return app;
}
const app = appFor(keys);

const status = async (key: string, origin?: string) => (await app.request(`/${key}`, { method: 'POST', headers: origin ? { origin } : {} })).status;

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
    const strict = createKeyRing([
      { key: 'web', kind: 'browser', allowedOrigins: ['https://shop.example'] },
      { key: 's', kind: 'server', allowedOrigins: ['*'] },
    ]);
    expect(strict.acceptsOrigin('https://shop.example')).toBe(true);
    expect(strict.acceptsOrigin('https://evil.example')).toBe(false);
  });
});

describe('allowedOrigin for mini-programs', () => {
  const ring = createKeyRing([
    {
      key: 'mini',
      kind: 'browser',
      allowedOrigins: ['https://shop.example'],
      allowedMiniprograms: ['wx1234567890abcdef', '2021004100000001', 'tt0123456789abcd01'],
    },
    { key: 'open', kind: 'browser', allowedOrigins: ['*'] },
  ]);
  const mini = appFor(ring);
  const send = async (key: string, headers: Record<string, string>) => (await mini.request(`/${key}`, { method: 'POST', headers })).status;

  it.each([
    ['WeChat', 'https://servicewechat.com/wx1234567890abcdef/3/page-frame.html', 'https://servicewechat.com/wxother00000000000/3/page-frame.html'],
    [
      'Alipay',
      'https://2021004100000001.hybrid.alipay-eco.com/2021004100000001/0.2.2310/page-frame.html',
      'https://2021009999999999.hybrid.alipay-eco.com/2021009999999999/1/page-frame.html',
    ],
    [
      'Douyin',
      'https://tmaservice.developer.toutiao.com/?appid=tt0123456789abcd01&version=1.0.0',
      'https://tmaservice.developer.toutiao.com/?appid=ttevil&version=1.0.0',
    ],
  ])('takes the listed %s app and refuses another with 403', async (_platform, listed, other) => {
    expect(await send('mini', { referer: listed })).toBe(200);
    expect(await send('mini', { referer: other })).toBe(403);
    // A key that lists no mini-program takes any.
    expect(await send('open', { referer: other })).toBe(200);
  });

  it('keeps checking web origins, and lets through requests that name neither', async () => {
    expect(await send('mini', { origin: 'https://shop.example' })).toBe(200);
    expect(await send('mini', { origin: 'https://evil.example' })).toBe(403);
    expect(await send('mini', { referer: 'https://shop.example/cart' })).toBe(200);
    expect(await send('mini', {})).toBe(200);
  });

  it("reads app ids only from the hosts' own Referer forms", () => {
    expect(miniprogramAppId('https://servicewechat.com/wxabc/devtools/page-frame.html')).toBe('wxabc');
    expect(miniprogramAppId('https://example.com/wxabc/1/page-frame.html')).toBe('wxabc');
    for (const other of [
      undefined,
      '',
      'not a url',
      'https://servicewechat.com/',
      'https://evil.example/?appid=x',
      `https://servicewechat.com/${'a'.repeat(3000)}/1/page-frame.html`,
    ]) {
      expect(miniprogramAppId(other)).toBeUndefined();
    }
  });
});
