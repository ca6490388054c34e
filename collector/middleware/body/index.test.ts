import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import type { CollectorEnv } from '../../hono-env';
import { jsonBody } from '.';

function appWith(maxBytes: number) {
  const app = new Hono<CollectorEnv>();
  app.onError((e, c) => c.json({ error: e.message }, e instanceof HTTPException ? e.status : 500));
  app.post('/', jsonBody({ maxBytes }), (c) => c.json({ body: c.get('body'), bytes: c.get('bodyBytes') }));
  return app;
}

const post = (app: Hono<CollectorEnv>, body: BodyInit, headers: Record<string, string> = {}) => app.request('/', { method: 'POST', body, headers });

describe('jsonBody', () => {
  const app = appWith(1024);

  it.each(['application/json', 'text/plain', 'text/plain;charset=UTF-8', 'application/json; charset=utf-8'])('parses a %s body', async (type) => {
    const res = await post(app, '{"batch":[1]}', { 'content-type': type });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ body: { batch: [1] }, bytes: 13 });
  });

  it('parses a gzip body and reports its decoded size', async () => {
    const json = JSON.stringify({ batch: ['x'.repeat(600)] });
    const res = await post(app, gzipSync(json), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect((await res.json()).bytes).toBe(json.length);
  });

  it('answers 413 to a gzip bomb without inflating it', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024)); // 50 MB of zeros, ~50 KB compressed
    const before = process.memoryUsage().arrayBuffers;
    const res = await post(appWith(500 * 1024), bomb, { 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toMatch(/too large/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(20 * 1024 * 1024);
  });

  it('answers 413 to a body over the cap, declared or streamed', async () => {
    expect((await post(app, 'x'.repeat(2000), { 'content-type': 'text/plain' })).status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(200)));
        controller.close();
      },
    });
    const res = await app.request('/', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
  });

  it.each([
    ['{"batch": [', 'not valid UTF-8 JSON'],
    ['[1,2]', 'expected a JSON object'],
    ['null', 'expected a JSON object'],
    ['"text"', 'expected a JSON object'],
  ])('answers 400 to %j', async (body, message) => {
    const res = await post(app, body, { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toContain(message);
  });

  it('answers 400 to invalid UTF-8 and to a corrupt gzip stream', async () => {
    expect((await post(app, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))).status).toBe(400);
    expect((await post(app, 'not gzip at all', { 'content-encoding': 'gzip' })).status).toBe(400);
  });

  it('answers 415 to other content types and encodings', async () => {
    expect((await post(app, '<xml/>', { 'content-type': 'application/xml' })).status).toBe(415);
    expect((await post(app, '{}', { 'content-encoding': 'br' })).status).toBe(415);
  });

  it('refuses JSON nested deeper than the limit, counting only brackets outside strings', async () => {
    const deep = appWith(10_000_000);
    const nested = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    expect((await post(deep, nested(64))).status).toBe(200);
    expect((await post(deep, nested(65))).status).toBe(400);
    expect((await post(deep, `{"a":${'['.repeat(63)}${']'.repeat(63)}}`)).status).toBe(200);
    expect((await post(deep, `{"a":${'['.repeat(64)}${']'.repeat(64)}}`)).status).toBe(400);
    const res = await post(deep, nested(100_000));
    expect(res.status).toBe(400);
    expect((await res.json()).error).toContain('nested deeper than 64');
    expect((await post(deep, JSON.stringify({ text: '[[[[{{{{"\\'.repeat(100) }))).status).toBe(200);
  });

  it('keeps __proto__ keys as plain data', async () => {
    const res = await post(app, '{"__proto__":{"polluted":true},"a":1}');
    expect(res.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('finishes the request when a gzip upload is cut off, over a real socket', async () => {
    // Before, the inflater waited forever: the request never ended and stayed counted as in flight.
    const app = new Hono<CollectorEnv>();
    const outcomes: number[] = [];
    app.use('*', async (c, next) => {
      await next();
      outcomes.push(c.res.status);
    });
    app.onError((e, c) => c.json({ error: e.message }, e instanceof HTTPException ? e.status : 500));
    app.post('/', jsonBody({ maxBytes: 1 << 20 }), (c) => c.json({ ok: true }));
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    try {
      const { port } = server.address() as AddressInfo;
      const gz = gzipSync(JSON.stringify({ batch: Array.from({ length: 200 }, (_, i) => ({ event: `e${i}` })) }));
      const socket = connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(`POST / HTTP/1.1\r\nhost: x\r\ncontent-encoding: gzip\r\ncontent-length: ${gz.length}\r\n\r\n`);
      socket.write(gz.subarray(0, gz.length >> 1));
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.destroy();
      await expect.poll(() => outcomes).toEqual([400]);
    } finally {
      server.close();
    }
  });
});
