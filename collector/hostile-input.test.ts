import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { pino } from 'pino';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector, type Collector } from './app';
import type { Batch, Sink } from './records/sink';

/**
 * Property-based hostile input against the running collector over real HTTP: wrong types, deep
 * nesting, huge strings, invalid UTF-8, __proto__/constructor keys, gzip bombs, header abuse.
 * Nothing may answer 5xx, the process must stay up within bounded memory, Object.prototype must
 * stay clean, and every rejected event must be in the failed stream with a reason.
 */
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 100_000);
const PARALLEL = 16;

interface Probe {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array | string;
  /** Events in the body when it is a well-formed envelope, so the answer's counts can be checked. */
  events?: number;
}

/** A sink that checks and counts what it is given, instead of keeping it. */
function countingSink(check?: (record: Record<string, unknown>) => void): Sink & { count: number } {
  const sink = {
    count: 0,
    async write(batch: Batch) {
      const records: object[] = batch.stream === 'failed' ? batch.records() : batch.events();
      for (const record of records) check?.(record as Record<string, unknown>);
      sink.count += records.length;
    },
    async close() {},
  };
  return sink;
}

const badFailed: unknown[] = [];
const failedByKey: Record<string, number> = {};
const failedSink = countingSink((record) => {
  if (typeof record.reason !== 'string' || !record.reason || typeof record.category !== 'string' || typeof record.receivedAt !== 'string')
    badFailed.push(record);
  failedByKey[record.writeKeyName as string] = (failedByKey[record.writeKeyName as string] ?? 0) + 1;
});
const viaPixel = (event: Record<string, unknown>) => (event.context as { probe?: unknown }).probe === 'pixel';
let pixelEvents = 0;
const eventsSink = countingSink((event) => void (viaPixel(event) && pixelEvents++));
const botsSink = countingSink((event) => void (viaPixel(event) && pixelEvents++));
let collector: Collector;
let pool: Pool;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tp-hostile-'));
  collector = await createCollector({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    // Acknowledge once the sinks have the events, so the counts can be compared at the end.
    log: { ack: 'sinks' },
    trustProxy: true,
    writeKeys: [{ key: 'fuzz' }, { key: 'pixel' }],
    logger: pino({ level: 'silent' }),
    sinks: { events: eventsSink, failed: failedSink, bots: botsSink },
  });
  const { url } = await collector.start();
  pool = new Pool(url, { connections: PARALLEL, pipelining: 1 });
});
afterAll(async () => {
  await pool?.close();
  await collector?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

// --- arbitraries -------------------------------------------------------------------------------

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__'];
const key = fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 12 }));
/** JSON text written by hand, so `__proto__` stays an own key on the wire. */
const hostileJson: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v) ?? 'null'),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  ),
})).value;

const junk = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);
const maybe = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: good, weight: 6 }, { arbitrary: junk, weight: 1 }, { arbitrary: fc.constant(undefined), weight: 2 });
const eventType = fc.constantFrom('track', 'page', 'screen', 'identify', 'group', 'alias');
const isoDate = fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());

/** Events that are mostly right, with wrong types, missing fields and hostile values mixed in. */
const event = fc.record(
  {
    type: maybe(eventType),
    event: maybe(fc.string({ maxLength: 40 })),
    name: maybe(fc.string({ maxLength: 40 })),
    messageId: maybe(fc.uuid()),
    anonymousId: maybe(fc.string({ minLength: 1, maxLength: 40 })),
    userId: maybe(fc.string({ minLength: 1, maxLength: 40 })),
    groupId: maybe(fc.string({ minLength: 1, maxLength: 40 })),
    previousId: maybe(fc.string({ minLength: 1, maxLength: 40 })),
    timestamp: maybe(isoDate),
    sentAt: maybe(isoDate),
    properties: maybe(fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 })),
    traits: maybe(fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })),
    context: maybe(
      fc.record(
        {
          userAgent: maybe(fc.string({ maxLength: 200 })),
          ip: maybe(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 30 }))),
          page: maybe(
            fc.record({ url: maybe(fc.oneof(fc.webUrl({ withQueryParameters: true }), fc.string())), referrer: maybe(fc.webUrl()) }, { requiredKeys: [] }),
          ),
          campaign: maybe(fc.dictionary(fc.constantFrom('source', 'medium', 'name'), junk)),
          attribution: maybe(fc.jsonValue({ maxDepth: 3 })),
          seq: maybe(fc.integer({ min: -5, max: 1_000_000 })),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

const json = (headers: Record<string, string> = {}) => ({ 'content-type': 'application/json', 'x-write-key': 'fuzz', ...headers });
const batchProbe = fc.tuple(fc.array(event, { maxLength: 30 }), fc.option(isoDate)).map(([batch, sentAt]): Probe => ({
  method: 'POST',
  path: '/v1/batch',
  headers: json(),
  body: JSON.stringify({ batch, ...(sentAt && { sentAt }) }),
  events: batch.length,
}));
const singleProbe = fc
  .tuple(eventType, event)
  .map(([type, e]): Probe => ({ method: 'POST', path: `/v1/${type}`, headers: json(), body: JSON.stringify(e), events: 1 }));
const hostileBodyProbe = fc
  .tuple(fc.constantFrom('/v1/batch', '/v1/track', '/v1/identify'), hostileJson)
  .map(([path, body]): Probe => ({ method: 'POST', path, headers: json(), body }));
const wrapped = hostileJson.map((inner): Probe => ({ method: 'POST', path: '/v1/batch', headers: json(), body: `{"batch":[${inner},${inner}]}` }));
const deepProbe = fc.tuple(fc.integer({ min: 60, max: 200_000 }), fc.constantFrom('[', '{"a":')).map(([depth, open]): Probe => ({
  method: 'POST',
  path: '/v1/batch',
  headers: json(),
  body: `{"batch":[${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}]}`,
}));
const hugeProbe = fc.integer({ min: 20_000, max: 700_000 }).map((size): Probe => ({
  method: 'POST',
  path: '/v1/batch',
  headers: json(),
  body: JSON.stringify({ batch: [{ type: 'track', event: 'big', anonymousId: 'a', properties: { blob: 'x'.repeat(size) } }] }),
}));
const bytesProbe = fc
  .tuple(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom('application/json', 'text/plain', '', 'application/xml', 'multipart/form-data'))
  .map(([bytes, type]): Probe => ({
    method: 'POST',
    path: '/v1/batch',
    headers: { 'x-write-key': 'fuzz', ...(type && { 'content-type': type }) },
    body: bytes,
  }));
const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024));
const validGzip = gzipSync(JSON.stringify({ batch: [{ type: 'track', event: 'zipped', anonymousId: 'a' }] }));
const gzipProbe = fc.oneof(
  fc.constant<Probe>({ method: 'POST', path: '/v1/batch', headers: json({ 'content-encoding': 'gzip' }), body: bomb }),
  fc.constant<Probe>({ method: 'POST', path: '/v1/batch', headers: json({ 'content-encoding': 'gzip' }), body: validGzip, events: 1 }),
  fc
    .integer({ min: 1, max: validGzip.length - 1 })
    .map((cut): Probe => ({ method: 'POST', path: '/v1/batch', headers: json({ 'content-encoding': 'gzip' }), body: validGzip.subarray(0, cut) })),
  fc.uint8Array({ maxLength: 500 }).map((bytes): Probe => ({ method: 'POST', path: '/v1/batch', headers: json({ 'content-encoding': 'gzip' }), body: bytes })),
);
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 3000 });
const headerProbe = fc
  .record(
    {
      authorization: fc.oneof(
        headerText,
        fc.string().map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
        fc.constant('Basic '),
      ),
      'x-write-key': headerText,
      origin: headerText,
      'x-forwarded-for': headerText,
      'content-type': headerText,
      'content-encoding': headerText,
      'user-agent': headerText,
      cookie: headerText,
    },
    { requiredKeys: [] },
  )
  .map((headers): Probe => ({ method: 'POST', path: '/v1/batch', headers, body: '{"batch":[]}' }));
const pathProbe = fc
  .tuple(
    fc.constantFrom<Probe['method']>('GET', 'PUT', 'DELETE', 'POST'),
    fc.constantFrom(
      '/v1/batch',
      '/v1/',
      '/v1/pixel/track',
      '/v1/../etc/passwd',
      '/v1/%00',
      '/v1/track?writeKey=fuzz&writeKey=x',
      '/v1/batch?writeKey=' + 'k'.repeat(4000),
    ),
  )
  .map(([method, path]): Probe => ({ method, path, headers: {}, ...(method !== 'GET' && { body: '{}' }) }));
const pixelEvent = event.map((e) => ({ ...e, context: { ...(typeof e.context === 'object' && e.context), probe: 'pixel' } }));
const pixelProbe = fc
  .tuple(
    fc.constantFrom('track', 'page'),
    fc.oneof(
      pixelEvent.map((e) => Buffer.from(JSON.stringify(e)).toString('base64url')),
      headerText,
    ),
  )
  .map(([type, data]): Probe => ({ method: 'GET', path: `/v1/pixel/${type}?writeKey=pixel&data=${encodeURIComponent(data)}`, headers: {} }));

const probe = fc.oneof(
  { arbitrary: batchProbe, weight: 6 },
  { arbitrary: singleProbe, weight: 3 },
  { arbitrary: hostileBodyProbe, weight: 3 },
  { arbitrary: wrapped, weight: 2 },
  { arbitrary: deepProbe, weight: 1 },
  { arbitrary: hugeProbe, weight: 1 },
  { arbitrary: bytesProbe, weight: 2 },
  { arbitrary: gzipProbe, weight: 1 },
  { arbitrary: headerProbe, weight: 2 },
  { arbitrary: pathProbe, weight: 1 },
  { arbitrary: pixelProbe, weight: 2 },
);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

// --- the run -----------------------------------------------------------------------------------

const ALLOWED = new Set([200, 204, 400, 401, 403, 404, 413, 415, 431]);
const tally = { requests: 0, byStatus: {} as Record<number, number>, accepted: 0, duplicates: 0, rejected: 0 };

async function send(p: Probe) {
  const res = await pool.request({ method: p.method, path: p.path, headers: p.headers, body: p.body });
  const text = await res.body.text();
  tally.requests++;
  tally.byStatus[res.statusCode] = (tally.byStatus[res.statusCode] ?? 0) + 1;
  if (!ALLOWED.has(res.statusCode)) throw new Error(`${p.method} ${p.path} answered ${res.statusCode}: ${text.slice(0, 300)}`);
  if (res.statusCode === 200 && p.path.startsWith('/v1/') && !p.path.startsWith('/v1/pixel') && p.method === 'POST') {
    const body = JSON.parse(text);
    tally.accepted += body.accepted;
    tally.duplicates += body.duplicates;
    tally.rejected += body.rejected.length;
    for (const r of body.rejected) if (typeof r.reason !== 'string' || !r.reason) throw new Error(`rejection without a reason: ${text.slice(0, 300)}`);
    if (p.events !== undefined && body.accepted + body.duplicates + body.rejected.length !== p.events) {
      throw new Error(`${p.events} events in, but ${text.slice(0, 300)}`);
    }
  }
}

describe('hostile input', () => {
  it(`survives ${REQUESTS.toLocaleString('en')} generated hostile requests`, { timeout: 600_000 }, async () => {
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const heap: number[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(probe, { minLength: PARALLEL, maxLength: PARALLEL }), async (probes) => {
        await Promise.all(probes.map(send));
        const usage = process.memoryUsage();
        rssPeak = Math.max(rssPeak, usage.rss);
        heap.push(usage.heapUsed);
      }),
      { numRuns: Math.ceil(REQUESTS / PARALLEL), seed: Number(process.env.FUZZ_SEED ?? 20261124), endOnFailure: true },
    );
    const health = await pool.request({ method: 'GET', path: '/healthz' });
    expect(health.statusCode).toBe(200);
    await health.body.text();

    // Printed for the record: the run's counts.
    const quarter = (i: number) => Math.round(median(heap.slice((i * heap.length) / 4, ((i + 1) * heap.length) / 4)) / 1e6);
    const heapMB = [0, 1, 2, 3].map(quarter);
    console.log(
      `hostile input: ${JSON.stringify({ ...tally, failedRecords: failedSink.count, pixelFailed: failedByKey.pixel ?? 0, pixelEvents, rssPeakGrowthMB: Math.round((rssPeak - rssBefore) / 1e6), heapMedianByQuarterMB: heapMB })}`,
    );
    expect(tally.requests).toBeGreaterThanOrEqual(REQUESTS);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(badFailed).toEqual([]);
    // Every rejection the clients were told about is in the failed stream, and every acceptance in the events.
    expect(failedByKey.fuzz ?? 0).toBe(tally.rejected);
    expect(eventsSink.count + botsSink.count - pixelEvents).toBe(tally.accepted);
    // Memory is bounded: the heap does not keep growing from the second half of the run to the end
    // (the generator shares this process, so the check is on the trend, not an absolute figure).
    expect(heapMB[3]!).toBeLessThan(heapMB[1]! * 1.5 + 64);
  });
});
