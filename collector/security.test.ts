import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createCollector, type Collector, type CollectorOptions } from './app';
import { createMemorySink } from './sinks/memory';

// What one client, or one input, must not be able to do to everyone else (issue 12's security
// review), against the collector as it runs: real sockets where the attack is on the connection.
const logger = pino({ level: 'silent' });
const running: Collector[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function start(options: CollectorOptions = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'tp-security-'));
  dirs.push(dataDir);
  const events = createMemorySink();
  const failed = createMemorySink();
  const collector = await createCollector({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    logger,
    sdkBundlePath: join(dataDir, 'none.js'),
    demoPagePath: join(dataDir, 'none.html'),
    ...options,
    log: { ack: 'sinks', ...options.log },
    sinks: { events, failed, bots: createMemorySink() },
  });
  running.push(collector);
  const { url, port } = await collector.start();
  return { collector, url, port, events, failed };
}

/** A POST over its own connection, from a chosen local address (the loopback network is all 127/8). */
function send(port: number, path: string, body: string, { from = '127.0.0.1', headers = {} as Record<string, string> } = {}) {
  return new Promise<{ status: number; body: string; ms: number }>((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        localAddress: from,
        agent: false,
        headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: text, ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const track = (id: string, extra: object = {}) => ({ type: 'track', event: 'Order Completed', messageId: id, anonymousId: 'a1', ...extra });
const batchOf = (key: string, events: object[]) => JSON.stringify({ writeKey: key, batch: events, sentAt: new Date().toISOString() });

describe('slow uploads without a key', () => {
  it('cannot starve a legitimate client: 1,100 held-open uploads, and every legitimate request still gets 2xx', async () => {
    const { port, events } = await start({ limits: { bodyTimeoutMs: 10_000 } });
    const slow: Socket[] = [];
    const answers = new Map<string, number>();
    for (let i = 0; i < 1100; i++) {
      const socket = connect({ host: '127.0.0.1', port });
      socket.setNoDelay(true);
      socket.write('POST /v1/batch HTTP/1.1\r\nHost: collector\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n{"batch":[');
      socket.on('data', (chunk) => {
        const status = /^HTTP\/1\.1 (\d{3})/.exec(String(chunk))?.[1] ?? 'other';
        answers.set(status, (answers.get(status) ?? 0) + 1);
      });
      socket.on('error', () => {});
      slow.push(socket);
    }
    try {
      // The flood's connections answered (the uploads a client may hold stay open, up to their deadline).
      for (let waited = 0; (answers.get('429') ?? 0) < 1100 - 32 && waited < 15_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      const legit: { status: number; ms: number }[] = [];
      for (let i = 0; i < 30; i++) {
        legit.push(await send(port, '/v1/batch', batchOf('demo', [track(`legit-${i}`)]), { from: '127.0.0.2' }));
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(legit.map((r) => r.status)).toEqual(Array(30).fill(200));
      expect(Math.max(...legit.map((r) => r.ms))).toBeLessThan(1000);
      expect(events.events).toHaveLength(30);
      // The flood got its own answer: a client's share of uploads, then 429 and a closed connection;
      // the uploads it holds are still open (they end at their deadline, with 408).
      expect(answers.get('429')).toBe(1100 - 32);
      expect(slow.filter((s) => !s.destroyed).length).toBeGreaterThanOrEqual(32);
    } finally {
      for (const socket of slow) socket.destroy();
    }
  }, 30_000);

  it('ends an upload that does not finish in time with 408 and closes its connection', async () => {
    const { port } = await start({ limits: { bodyTimeoutMs: 300 } });
    const socket = connect({ host: '127.0.0.1', port });
    socket.write('POST /v1/batch HTTP/1.1\r\nHost: collector\r\nContent-Length: 1000\r\n\r\n{"batch":[');
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('close', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer.toLowerCase()).toContain('connection: close');
  });
});

describe('a body of nested brackets', () => {
  const bomb = gzipSync('['.repeat(500_000), { level: 9 });

  it('is small on the wire and refused without being parsed', async () => {
    expect(bomb.length).toBeLessThan(1024);
    const { port } = await start();
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const socket = connect({ host: '127.0.0.1', port });
      socket.write(`POST /v1/batch HTTP/1.1\r\nHost: c\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`);
      socket.write(bomb);
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        socket.on('data', (chunk) => {
          text += chunk;
          if (text.includes('}')) resolve(text);
        });
      });
      socket.destroy();
      expect(answer).toMatch(/^HTTP\/1\.1 400/);
      expect(answer).toContain('nested deeper than 64 levels');
      expect(parse.mock.calls.some(([text]) => typeof text === 'string' && text.length > 100_000)).toBe(false);
    } finally {
      parse.mockRestore();
    }
  });

  it('is not even read when it comes with a wrong key in a header', async () => {
    const { collector } = await start();
    const res = await collector.app.request('/v1/batch', { method: 'POST', headers: { 'x-write-key': 'wrong', 'content-encoding': 'gzip' }, body: bomb });
    expect(res.status).toBe(401);
  });
});

describe('rate limits', () => {
  const limited = { writeKeys: [{ key: 'web', name: 'web', rateLimit: { eventsPerSecond: 1, burst: 3 } }] };

  it('charge a batch per event: 10,000 events through a 1 event/s key get the burst through, the rest 429', async () => {
    const { port, events } = await start(limited);
    const statuses: number[] = [];
    for (let b = 0; b < 4; b++) {
      const res = await send(
        port,
        '/v1/batch',
        batchOf(
          'web',
          Array.from({ length: 2500 }, (_, i) => track(`rl-${b}-${i}`)),
        ),
      );
      statuses.push(res.status);
    }
    expect(events.events).toHaveLength(3);
    expect(statuses).toEqual([429, 429, 429, 429]);
  });

  it('answer 429 for what is over, keep what was taken, and take the rest on the re-send', async () => {
    let now = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const { port, events } = await start(limited);
      const body = batchOf(
        'web',
        Array.from({ length: 5 }, (_, i) => track(`re-${i}`)),
      );
      const first = await send(port, '/v1/batch', body);
      expect(first.status).toBe(429);
      expect(JSON.parse(first.body)).toMatchObject({ success: false, accepted: 3, duplicates: 0, limited: 2 });
      now += 2000; // two tokens back
      const again = await send(port, '/v1/batch', body);
      expect(JSON.parse(again.body)).toEqual({ success: true, accepted: 2, duplicates: 3, rejected: [] });
      expect(events.events.map((e) => (e as { messageId: string }).messageId).sort()).toEqual(['re-0', 're-1', 're-2', 're-3', 're-4']);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('hold for the pixel route too, with its origin allowlist', async () => {
    const { collector, events } = await start({
      writeKeys: [{ key: 'px', name: 'px', allowedOrigins: ['https://shop.example'], rateLimit: { eventsPerSecond: 1, burst: 2 } }],
    });
    const data = (i: number) => Buffer.from(JSON.stringify({ event: 'Email Opened', anonymousId: 'a', messageId: `px-${i}` })).toString('base64url');
    const pixel = (i: number, headers: Record<string, string> = {}) => collector.app.request(`/v1/pixel/track?writeKey=px&data=${data(i)}`, { headers });
    expect((await pixel(0, { referer: 'https://evil.example/page' })).headers.get('content-type')).toBe('image/gif');
    expect(events.events).toHaveLength(0);
    for (let i = 1; i <= 5; i++) await pixel(i, { referer: 'https://shop.example/newsletter' });
    await pixel(6); // an e-mail client: neither Origin nor Referer
    expect(events.events).toHaveLength(2);
    const metrics = await (await collector.adminApp.request('/metrics')).text();
    expect(metrics).toContain('touchpoint_pixel_refused_total{reason="origin"} 1');
    expect(metrics).toContain('touchpoint_pixel_refused_total{reason="rate limit"} 4');
  });
});

describe('X-Forwarded-For', () => {
  it('is read the configured number of hops from the right: the client cannot pick its own address', async () => {
    const { port, events } = await start({
      trustProxy: 1,
      ip: { anonymize: false },
      writeKeys: [{ key: 'web', ipRateLimit: { eventsPerSecond: 1, burst: 1 } }],
    });
    // The load balancer appended what it saw (198.51.100.7) to what the client wrote.
    const spoofed = await send(port, '/v1/track', JSON.stringify({ writeKey: 'web', event: 'x', anonymousId: 'a', messageId: 'xff-1' }), {
      headers: { 'x-forwarded-for': '1.2.3.4, 198.51.100.7' },
    });
    expect(spoofed.status).toBe(200);
    expect((events.events[0] as { context: { ip: string } }).context.ip).toBe('198.51.100.7');
    // A new made-up address on the left does not buy a new per-client bucket.
    const again = await send(port, '/v1/track', JSON.stringify({ writeKey: 'web', event: 'x', anonymousId: 'a', messageId: 'xff-2' }), {
      headers: { 'x-forwarded-for': '5.6.7.8, 198.51.100.7' },
    });
    expect(again.status).toBe(429);
  });

  it('buckets IPv6 clients per /64', async () => {
    const { port } = await start({ trustProxy: 1, writeKeys: [{ key: 'web', ipRateLimit: { eventsPerSecond: 1, burst: 1 } }] });
    const from = (ip: string, id: string) =>
      send(port, '/v1/track', JSON.stringify({ writeKey: 'web', event: 'x', anonymousId: 'a', messageId: id }), { headers: { 'x-forwarded-for': ip } });
    expect((await from('2001:db8:1:2::1', 'v6-1')).status).toBe(200);
    expect((await from('2001:db8:1:2:ffff::9', 'v6-2')).status).toBe(429);
    expect((await from('2001:db8:1:3::1', 'v6-3')).status).toBe(200);
  });
});

describe('personal data in rejected events', () => {
  it('is scrubbed as in valid events: hashed e-mail and phone, anonymised IP', async () => {
    const { port, failed, events } = await start({
      pii: {
        salt: 'sixteen-chars-salt',
        paths: [
          { path: 'traits.email', kind: 'email' },
          { path: 'traits.phone', kind: 'phone' },
        ],
      },
    });
    const invalid = {
      type: 'identify',
      messageId: 'pii-bad',
      traits: { email: 'Li.Lei@Example.com', phone: '+86 138 0013 8000' },
      context: { ip: '203.0.113.77' },
    }; // no id at all
    const valid = { ...invalid, messageId: 'pii-ok', userId: 'u1' };
    await send(port, '/v1/batch', batchOf('demo', [invalid, valid]));
    const record = failed.events[0] as { event: { traits: Record<string, string>; context: { ip: string } } };
    const stored = events.events[0] as { traits: Record<string, string>; context: { ip: string } };
    expect(JSON.stringify(failed.events)).not.toMatch(/Li\.Lei|138 0013|203\.0\.113\.77/);
    expect(record.event.traits).toEqual(stored.traits);
    expect(record.event.context.ip).toBe('203.0.113.0');
  });

  it('is scrubbed from an oversize event’s truncated copy too', async () => {
    const { port, failed } = await start({ pii: { salt: 'sixteen-chars-salt', paths: [{ path: 'traits.email', kind: 'email' }] } });
    const big = { type: 'identify', userId: 'u1', messageId: 'big', traits: { email: 'li.lei@example.com', blob: 'x'.repeat(40_000) } };
    await send(port, '/v1/batch', batchOf('demo', [big]));
    expect((failed.events[0] as { eventTruncated: string }).eventTruncated).not.toContain('li.lei@example.com');
  });
});

describe('operations endpoints', () => {
  it('are not on the public port: /metrics is a 404 there and /readyz names no sink, unless the admin token is given', async () => {
    const token = 'a-long-admin-token-1234';
    const { url } = await start({ admin: { token } });
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready' });
    expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(404);
    const withToken = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(await withToken.text()).toContain('touchpoint_requests_total');
    expect((await (await fetch(`${url}/readyz`, { headers: { authorization: `Bearer ${token}` } })).json()).checks).toHaveProperty('log', 'ok');
  });

  it('are served on the admin listener', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tp-admin-'));
    dirs.push(dataDir);
    const collector = await createCollector({ port: 0, host: '127.0.0.1', dataDir, logger, admin: { port: 0 } });
    running.push(collector);
    const { adminUrl, url } = await collector.start();
    expect(adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(adminUrl).not.toBe(url);
    expect(await (await fetch(`${adminUrl}/metrics`)).text()).toContain('touchpoint_events_accepted_total');
    expect((await (await fetch(`${adminUrl}/readyz`)).json()).checks).toEqual({ accepting: 'ok', log: 'ok' });
    // The admin listener takes no events.
    expect((await fetch(`${adminUrl}/v1/batch`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('bound what one client can do to a metric: a jump in context.seq does not count 10^15 lost events', async () => {
    const { port, collector } = await start();
    await send(port, '/v1/batch', batchOf('demo', [track('s1', { context: { seq: 1 } }), track('s2', { context: { seq: 1e15 } })]));
    expect(await (await collector.adminApp.request('/metrics')).text()).toContain('touchpoint_sequence_lost_events 0');
  });
});

describe('sources', () => {
  it('are recorded on every event, and two sources may use the same message id', async () => {
    const { port, events } = await start({
      writeKeys: [
        { key: 'key_web', name: 'web' },
        { key: 'key_app', name: 'app' },
      ],
    });
    await send(port, '/v1/batch', batchOf('key_web', [track('same-id')]));
    await send(port, '/v1/batch', batchOf('key_app', [track('same-id')]));
    await send(port, '/v1/batch', batchOf('key_app', [track('same-id')]));
    expect(events.events.map((e) => (e as { source: string }).source)).toEqual(['web', 'app']);
  });
});
