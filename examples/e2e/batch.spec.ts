import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { readStream } from './ndjson';

test('a batch mixing valid and invalid events lands each in the right stream', async ({ request }) => {
  const run = randomUUID();
  const valid = [
    { type: 'track', event: 'Order Completed', messageId: `${run}-ok-1`, anonymousId: 'a1', properties: { order_id: 'o1', revenue: 9.9, currency: 'CNY' } },
    { type: 'identify', messageId: `${run}-ok-2`, userId: 'u1', traits: { plan: 'pro' } },
  ];
  const invalid = [
    { type: 'track', messageId: `${run}-bad-1`, anonymousId: 'a1' },
    { type: 'track', event: 'x', messageId: `${run}-bad-2` },
    { type: 'page', messageId: `${run}-bad-3`, anonymousId: 'a1', timestamp: 'yesterday' },
  ];
  const response = await request.post('/v1/batch', {
    headers: { authorization: `Basic ${Buffer.from('demo:').toString('base64')}` },
    data: { batch: [valid[0]!, ...invalid, valid[1]!], sentAt: new Date().toISOString() },
  });
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body).toMatchObject({ success: true, accepted: 2 });
  expect(body.rejected.map((r: any) => r.messageId).sort()).toEqual(invalid.map((e) => e.messageId).sort());
  expect(body.rejected.find((r: any) => r.messageId === `${run}-bad-1`).reason).toContain('event');

  // The collector acknowledges once the batch is spooled; its NDJSON sink writes it right after.
  await expect.poll(async () => (await readStream('events')).filter((e) => e.messageId.startsWith(run)).length).toBe(2);
  await expect.poll(async () => (await readStream('failed')).filter((f) => f.event?.messageId?.startsWith(run)).length).toBe(3);
  const events = (await readStream('events')).filter((e) => e.messageId.startsWith(run));
  expect(events.map((e) => e.messageId).sort()).toEqual(valid.map((e) => e.messageId).sort());
  expect(events.find((e) => e.type === 'track')?.properties).toEqual(valid[0]!.properties);

  const failed = (await readStream('failed')).filter((f) => f.event?.messageId?.startsWith(run));
  expect(failed.map((f) => f.event.messageId).sort()).toEqual(invalid.map((e) => e.messageId).sort());
  for (const record of failed) {
    expect(record.reason).toEqual(expect.any(String));
    expect(record.receivedAt).toEqual(expect.any(String));
    expect(invalid).toContainEqual(record.event);
  }
});

test('the collector answers malformed and unauthorised requests with JSON errors', async ({ request }) => {
  const malformed = await request.post('/v1/batch?writeKey=demo', {
    headers: { 'content-type': 'text/plain' },
    data: '{"batch": [',
  });
  expect(malformed.status()).toBe(400);
  expect(await malformed.json()).toMatchObject({ success: false });

  const unknownKey = await request.post('/v1/batch', {
    headers: { authorization: `Basic ${Buffer.from('nope:').toString('base64')}` },
    data: { batch: [] },
  });
  expect(unknownKey.status()).toBe(401);
});
