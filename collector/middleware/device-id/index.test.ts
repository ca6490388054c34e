import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { CollectorEnv } from '../../hono-env';
import { deviceId } from '.';

const app = new Hono<CollectorEnv>();
app.use(deviceId({ name: 'tp_did', maxAgeDays: 400 }));
app.get('/', (c) => c.text(c.get('deviceId') ?? ''));

describe('deviceId', () => {
  it('issues a uuid in an HttpOnly, Secure-on-https cookie and keeps it on later visits', async () => {
    const first = await app.request('https://collect.shop.example/');
    const id = await first.text();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.headers.get('set-cookie')).toBe(`tp_did=${id}; Max-Age=34560000; Path=/; HttpOnly; Secure; SameSite=Lax`);
    const again = await app.request('https://collect.shop.example/', { headers: { cookie: `other=1; tp_did=${id}` } });
    expect(await again.text()).toBe(id);
  });

  it('replaces a cookie that is not one of its ids', async () => {
    const res = await app.request('http://localhost/', { headers: { cookie: 'tp_did=<script>' } });
    const id = await res.text();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('set-cookie')).not.toContain('Secure');
  });
});
