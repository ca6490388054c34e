import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime } from './fake-runtime';

// The fake runtime's own fidelity where the SDK's tests lean on it: the request limits and shapes.
let server: ReturnType<typeof createServer>;
let domain = '';
const held: (() => void)[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    const answer = () => res.writeHead(req.url === '/slow' ? 200 : 500, { 'retry-after': '3' }).end('{}');
    if (req.url === '/slow') held.push(answer);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  domain = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const runtime = (platform: 'wechat' | 'alipay' | 'douyin', domains = [domain]) =>
  new FakeRuntime({ platform, appId: 'app1', domains, launch: { path: 'p', scene: 1001 } });
const call = (rt: FakeRuntime, name: string, url: string) =>
  new Promise<{ ok: boolean; res: Record<string, unknown> }>((resolve) =>
    rt.globals[name].request({
      url,
      method: 'POST',
      data: '{}',
      success: (res: Record<string, unknown>) => resolve({ ok: true, res }),
      fail: (res: Record<string, unknown>) => resolve({ ok: false, res }),
    }),
  );

describe('FakeRuntime request', () => {
  it('refuses domains outside the allowlist, in each platform shape', async () => {
    expect(await call(runtime('wechat', []), 'wx', `http://${domain}/x`)).toEqual({ ok: false, res: { errMsg: 'request:fail url not in domain list' } });
    expect(await call(runtime('alipay', []), 'my', `http://${domain}/x`)).toEqual({ ok: false, res: { error: 11, errorMessage: '无权跨域调用' } });
  });

  it('answers an HTTP error through success on WeChat and Douyin, through fail with the status on Alipay', async () => {
    expect(await call(runtime('wechat'), 'wx', `http://${domain}/x`)).toMatchObject({ ok: true, res: { statusCode: 500, header: { 'retry-after': '3' } } });
    expect(await call(runtime('douyin'), 'tt', `http://${domain}/x`)).toMatchObject({ ok: true, res: { statusCode: 500 } });
    expect(await call(runtime('alipay'), 'my', `http://${domain}/x`)).toMatchObject({
      ok: false,
      res: { error: 19, status: 500, headers: { 'retry-after': '3' } },
    });
  });

  it('takes 10 requests at once and fails the 11th', async () => {
    const rt = runtime('wechat');
    const calls = [...Array(11)].map(() => call(rt, 'wx', `http://${domain}/slow`));
    expect(await calls[10]).toEqual({ ok: false, res: { errMsg: 'request:fail exceed max concurrent request count 10' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const answer of held.splice(0)) answer();
    expect((await Promise.all(calls.slice(0, 10))).every((c) => c.ok)).toBe(true);
    expect(rt.maxConcurrent).toBe(10);
  });

  it('sends the host Referer and no Origin or cookie, and drops the answer once killed', async () => {
    const rt = runtime('wechat');
    const pending = call(rt, 'wx', `http://${domain}/slow`);
    let answered = false;
    void pending.then(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    rt.kill();
    for (const answer of held.splice(0)) answer();
    await rt.settled();
    expect(answered).toBe(false);
    expect(rt.requests[0]!.headers).toMatchObject({ referer: 'https://servicewechat.com/app1/1.0.0/page-frame.html' });
    expect(rt.requests[0]!.headers.origin).toBeUndefined();
    expect(rt.requests[0]!.status).toBe(200); // the server did answer: the app was not there to hear it
  });
});
