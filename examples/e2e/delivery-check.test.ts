import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryProblems, intactProblems } from './delivery-check';
import type { RecordedRequest } from './recording-proxy';

// The checker the third-party client tests rely on: it must see each way an event can be lost,
// doubled or changed on its way to the sink, and nothing else.

const sent = {
  type: 'track',
  event: 'Order Completed',
  messageId: 'm-1',
  anonymousId: 'a-1',
  userId: '',
  channel: 'web',
  properties: { order_id: 'o-1', products: [{ product_id: 'p-1', quantity: 2 }] },
  context: { page: { path: '/', tab_url: 'http://shop/' }, library: { name: 'x', version: '1' }, os: { name: '' } },
  originalTimestamp: '2026-11-30T10:00:00.000Z',
  sentAt: '2026-11-30T10:00:01.000Z',
  writeKey: 'wk',
  _metadata: { bundled: [] },
};
/** What a correct collector stores for `sent`: ids without a value dropped, its own fields added, time corrected. */
const stored = {
  type: 'track',
  event: 'Order Completed',
  messageId: 'm-1',
  anonymousId: 'a-1',
  channel: 'web',
  properties: { order_id: 'o-1', products: [{ product_id: 'p-1', quantity: 2 }] },
  context: { page: { path: '/', tab_url: 'http://shop/' }, library: { name: 'x', version: '1' }, os: { name: 'Linux' }, bot: true, ip: '127.0.0.0' },
  originalTimestamp: '2026-11-30T10:00:00.000Z',
  timestamp: '2026-11-30T10:00:00.250Z',
  receivedAt: '2026-11-30T10:00:01.250Z',
  source: 'shop-web',
};
const expected = { source: 'shop-web' };

describe('intactProblems', () => {
  it("accepts an event stored as sent, with the collector's own fields and corrected time", () => {
    expect(intactProblems(sent, stored, expected)).toEqual([]);
  });

  it.each([
    ['a field the client sent, dropped', { channel: undefined }, 'channel'],
    ['a property changed', { properties: { order_id: 'o-1', products: [] } }, 'properties'],
    ['an extra context.page field dropped', { context: { ...stored.context, page: { path: '/' } } }, 'context.page'],
    ['a user id where the client had none', { userId: 'u-1' }, 'userId'],
    ['the client time lost', { originalTimestamp: undefined }, 'originalTimestamp'],
    ['a timestamp far from the client time', { timestamp: '2026-11-30T11:00:00.000Z' }, 'timestamp'],
    ['the write key stored', { writeKey: 'wk' }, 'writeKey'],
    ['no source', { source: undefined }, 'source'],
  ])('reports %s', (_, change, field) => {
    const problems = intactProblems(sent, { ...stored, ...change }, expected);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${field.replace('.', '\\.')}:`));
  });

  it('keeps a timestamp given beside originalTimestamp as the time the event happened', () => {
    const backfill = { ...sent, timestamp: '2026-11-24T08:00:00.000Z' };
    expect(intactProblems(backfill, { ...stored, timestamp: '2026-11-24T08:00:00.000Z' }, expected)).toEqual([]);
    expect(intactProblems(backfill, stored, expected)).toEqual([expect.stringMatching(/^timestamp:/)]);
  });

  it("reports a bot flag on a server library's event only when told it is one", () => {
    expect(intactProblems(sent, stored, { ...expected, server: true })).toEqual([expect.stringMatching(/^context\.bot:/)]);
  });
});

describe('deliveryProblems', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tp-delivery-check-'));
    const partition = (stream: string) => join(dataDir, stream, 'date=2026-11-30');
    await Promise.all(['events', 'failed'].map((s) => mkdir(partition(s), { recursive: true })));
    const line = (e: object) => `${JSON.stringify(e)}\n`;
    await writeFile(join(partition('events'), 'part-1-1-0.ndjson'), line(stored) + line({ ...stored, messageId: 'm-2' }));
    // A second part, gzip, holding m-2 again, and a line still being written.
    await writeFile(join(partition('events'), 'part-2-1-0.ndjson.gz'), gzipSync(line({ ...stored, messageId: 'm-2' }) + '{"messageId":"m-'));
    await writeFile(join(partition('failed'), 'part-1-1-0.ndjson'), line({ reason: 'userId: expected string', event: { ...sent, messageId: 'm-3' } }));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  const request = (events: object[], status: number, injected = false): RecordedRequest => ({
    method: 'POST',
    url: '/v1/batch',
    headers: {},
    body: Buffer.from(JSON.stringify({ batch: events })),
    status,
    injected,
  });

  it('is empty when every call landed once and intact', async () => {
    expect(await deliveryProblems([request([sent], 503, true), request([sent], 200)], { calls: 1, ...expected, dataDir })).toEqual([]);
  });

  it('says what reached the collector when calls are missing', async () => {
    expect(await deliveryProblems([request([sent], 200)], { calls: 2, ...expected, dataDir })).toEqual([
      "1 of 2 calls reached the collector's address; what did:",
      'POST /v1/batch → 200',
    ]);
  });

  it('reports an event stored twice, one rejected into the failed stream, one never accepted', async () => {
    const requests = [
      request(
        [
          { ...sent, messageId: 'm-2' },
          { ...sent, messageId: 'm-3' },
        ],
        200,
      ),
      request([{ ...sent, messageId: 'm-4' }], 503, true),
    ];
    expect(await deliveryProblems(requests, { calls: 3, ...expected, dataDir })).toEqual([
      'm-2 (track Order Completed): stored 2 times',
      'm-3 (track Order Completed): in the failed stream: userId: expected string',
      'm-3 (track Order Completed): stored 0 times',
      'm-4 (track Order Completed): never accepted: POST /v1/batch → 503 (injected)',
      "what reached the collector's address:",
      'POST /v1/batch → 200',
      'POST /v1/batch → 503 (injected)',
    ]);
  });
});
