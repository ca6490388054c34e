import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import type { CollectorEnv } from '../../hono-env';
import { jsonBody } from '../body';
import { createKeyRing } from '../../keys';
import { writeKeyAuth } from '.';

const app = new Hono<CollectorEnv>();
app.onError((e, c) => c.json({ error: e.message }, e instanceof HTTPException ? e.status : 500));
app.post('/', jsonBody({ maxBytes: 1024 }), writeKeyAuth({ keys: createKeyRing([{ key: 'k1', kind: 'server', allowedOrigins: ['*'] }, { key: 'k2', kind: 'browser', allowedOrigins: ['*'] }]) }), (c) =>
  c.json({ key: c.get('source').key }),
);

const basic = (user: string) => `Basic ${Buffer.from(`${user}:`).toString('base64')}`;

async function keyFor(init: { headers?: Record<string, string>; body?: object; query?: string }) {
  const res = await app.request(`/${init.query ?? ''}`, {
    method: 'POST',
    headers: init.headers,
    body: JSON.stringify(init.body ?? {}),
  });
  return { status: res.status, json: await res.json() };
}

describe('writeKeyAuth', () => {
  it('reads the Basic auth username, as Segment libraries send it', async () => {
    expect(await keyFor({ headers: { authorization: basic('k1') } })).toEqual({ status: 200, json: { key: 'k1' } });
  });

  it('reads X-Write-Key, the body and the query', async () => {
    expect((await keyFor({ headers: { 'x-write-key': 'k2' } })).json.key).toBe('k2');
    expect((await keyFor({ body: { writeKey: 'k1' } })).json.key).toBe('k1');
    expect((await keyFor({ query: '?writeKey=k2' })).json.key).toBe('k2');
  });

  it('answers 401 to a missing or unknown key', async () => {
    expect((await keyFor({})).status).toBe(401);
    expect((await keyFor({ headers: { authorization: basic('nope') } })).json.error).toBe('unknown write key');
    expect((await keyFor({ body: { writeKey: 42 } })).status).toBe(401);
    expect((await keyFor({ headers: { authorization: 'Basic !!!' } })).status).toBe(401);
    expect((await keyFor({ headers: { authorization: basic('') } })).status).toBe(401);
  });
});
