import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { handleError } from '../../errors';
import type { CollectorEnv } from '../../hono-env';
import { createKeyRing } from '../../keys';
import { jsonBody } from '../body';
import { writeKeyFromBody, writeKeyFromHeaders } from '.';

const keys = createKeyRing([
  { key: 'k1', kind: 'server', allowedOrigins: ['*'] },
  { key: 'k2', kind: 'browser', allowedOrigins: ['*'] },
]);
const refusals: string[] = [];
const app = new Hono<CollectorEnv>();
app.onError(handleError(() => {}));
app.post(
  '/',
  writeKeyFromHeaders({ keys, onRefused: (r) => refusals.push(r) }),
  jsonBody({ maxBytes: 1024 }),
  writeKeyFromBody({ keys, onRefused: (r) => refusals.push(r) }),
  (c) => c.json({ key: c.get('source').key }),
);

const basic = (user: string) => `Basic ${Buffer.from(`${user}:`).toString('base64')}`;

async function keyFor(init: { headers?: Record<string, string>; body?: object; query?: string }) {
  const res = await app.request(`/${init.query ?? ''}`, { method: 'POST', headers: init.headers, body: JSON.stringify(init.body ?? {}) });
  return { status: res.status, json: await res.json() };
}

describe('write key auth', () => {
  it('reads the Basic auth username, as Segment libraries send it', async () => {
    expect(await keyFor({ headers: { authorization: basic('k1') } })).toEqual({ status: 200, json: { key: 'k1' } });
  });

  it('reads X-Write-Key, the body and the query', async () => {
    expect((await keyFor({ headers: { 'x-write-key': 'k2' } })).json.key).toBe('k2');
    expect((await keyFor({ body: { writeKey: 'k1' } })).json.key).toBe('k1');
    expect((await keyFor({ query: '?writeKey=k2' })).json.key).toBe('k2');
  });

  it('answers 401 to a missing or unknown key, and counts why', async () => {
    refusals.length = 0;
    expect((await keyFor({})).status).toBe(401);
    expect((await keyFor({ headers: { authorization: basic('nope') } })).json.error).toBe('unknown write key');
    expect((await keyFor({ body: { writeKey: 42 } })).status).toBe(401);
    expect((await keyFor({ headers: { authorization: 'Basic !!!' } })).status).toBe(401);
    expect((await keyFor({ headers: { authorization: basic('') } })).status).toBe(401);
    expect(refusals).toEqual(['missing', 'unknown', 'missing', 'missing', 'missing']);
  });

  it('refuses a wrong key in a header before reading the body, and asks to close the connection', async () => {
    let pulled = 0;
    const endless = new ReadableStream({
      pull(controller) {
        pulled++;
        controller.enqueue(new TextEncoder().encode('['));
      },
    });
    const res = await app.request('/', { method: 'POST', headers: { 'x-write-key': 'nope' }, body: endless, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(401);
    expect(res.headers.get('connection')).toBe('close');
    expect(pulled).toBeLessThanOrEqual(1);
  });
});
