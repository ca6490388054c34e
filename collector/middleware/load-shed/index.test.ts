import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { handleError } from '../../errors';
import { loadShed } from '.';

describe('loadShed', () => {
  it('answers 503 with Retry-After past the limit and recovers when requests finish', async () => {
    const gates: (() => void)[] = [];
    const seen: number[] = [];
    const app = new Hono();
    app.onError(handleError(() => {}));
    app.use(loadShed({ maxInflight: 2, onChange: (n) => seen.push(n) }));
    app.get('/', () => new Promise<Response>((resolve) => gates.push(() => resolve(new Response('ok')))));
    const held = [app.request('/'), app.request('/')];
    await new Promise((r) => setTimeout(r, 10));
    const shed = await app.request('/');
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('1');
    gates.forEach((open) => open());
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    expect(seen).toEqual([1, 2, 1, 0]);
    const after = app.request('/');
    await new Promise((r) => setTimeout(r, 10));
    gates.at(-1)!();
    expect((await after).status).toBe(200);
  });
});
