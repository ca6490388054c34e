import { describe, expect, it } from 'vitest';
import { findHost, type HostApi } from './host';
import { requestTransport } from './transport';

// The transport over each host's request shape: a scripted `request` that answers as the platform
// documents (WeChat/Douyin: every status through success; Alipay: HTTP errors through fail).
function scripted(name: 'wx' | 'my' | 'tt', answer: (options: Record<string, any>) => void) {
  const calls: Record<string, any>[] = [];
  const api = {
    request: (options: Record<string, any>) => {
      calls.push(options);
      answer(options);
    },
  } as unknown as HostApi;
  (globalThis as Record<string, unknown>)[name] = api;
  try {
    return { host: findHost()!, calls };
  } finally {
    delete (globalThis as Record<string, unknown>)[name];
  }
}
const request = { url: 'https://c.example/v1/batch', body: '{"batch":[]}', keepalive: false };

describe('requestTransport', () => {
  it('reads WeChat and Douyin answers from success, whatever the status, with Retry-After in any case', async () => {
    for (const name of ['wx', 'tt'] as const) {
      const { host, calls } = scripted(name, (o) => o.success({ statusCode: 429, header: { 'Retry-After': '7' }, data: '' }));
      expect(await requestTransport(host, () => true)(request)).toEqual({ status: 429, retryAfter: 7 });
      expect(calls[0]).toMatchObject({ url: request.url, method: 'POST', data: request.body, header: { 'content-type': 'application/json' } });
    }
  });

  it("reads Alipay's HTTP errors from fail (error 19, with the status), and sends `headers`", async () => {
    const { host, calls } = scripted('my', (o) => o.fail({ error: 19, errorMessage: 'http status error', status: 503, headers: { 'retry-after': '2' } }));
    expect(host.platform).toBe('alipay');
    expect(await requestTransport(host, () => true)(request)).toEqual({ status: 503, retryAfter: 2 });
    expect(calls[0]).toMatchObject({ headers: { 'content-type': 'application/json' } });
    expect(calls[0]!.header).toBeUndefined();
    const ok = scripted('my', (o) => o.success({ status: 200, headers: {}, data: '{}' }));
    expect(await requestTransport(ok.host, () => true)(request)).toEqual({ status: 200, retryAfter: undefined });
  });

  it('gives status 0 for a network failure, a throwing request, and while offline (then without a request)', async () => {
    expect(await requestTransport(scripted('wx', (o) => o.fail({ errMsg: 'request:fail timeout' })).host, () => true)(request)).toEqual({ status: 0 });
    expect(await requestTransport(scripted('my', (o) => o.fail({ error: 12, errorMessage: '网络出错' })).host, () => true)(request)).toMatchObject({
      status: 0,
    });
    expect(
      await requestTransport(
        scripted('wx', () => {
          throw new Error('bridge gone');
        }).host,
        () => true,
      )(request),
    ).toEqual({ status: 0 });
    const offline = scripted('wx', (o) => o.success({ statusCode: 200, header: {} }));
    expect(await requestTransport(offline.host, () => false)(request)).toEqual({ status: 0 });
    expect(offline.calls).toHaveLength(0);
  });

  it('keeps at most 2 requests in flight; the others wait their turn, in order', async () => {
    const pending: (() => void)[] = [];
    const { host, calls } = scripted('wx', (o) => pending.push(() => o.success({ statusCode: 200, header: {} })));
    const send = requestTransport(host, () => true);
    const answers = [1, 2, 3, 4, 5].map((n) => send({ ...request, body: `${n}` }));
    await Promise.resolve();
    expect(calls.map((c) => c.data)).toEqual(['1', '2']);
    pending.shift()!();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(calls.map((c) => c.data)).toEqual(['1', '2', '3']);
    while (pending.length) {
      pending.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    expect((await Promise.all(answers)).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(calls.map((c) => c.data)).toEqual(['1', '2', '3', '4', '5']);
  });
});
