import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector, type Collector } from '../app';

// Segment's own server library, unchanged but for `host`, against the running collector.
let collector: Collector;
let url: string;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tp-segment-'));
  collector = await createCollector({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    writeKeys: [{ key: 'seg_server_key', name: 'backend', kind: 'server' }],
    logger: pino({ level: 'silent' }),
  });
  ({ url } = await collector.start());
});
afterAll(async () => {
  await collector.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function landed(): Promise<Record<string, any>[]> {
  const root = join(dataDir, 'events');
  const files = (await readdir(root, { recursive: true }).catch(() => [] as string[])).filter((f) => f.endsWith('.ndjson'));
  const texts = await Promise.all(files.map((f) => readFile(join(root, f), 'utf8')));
  return texts.flatMap((t) => t.split('\n').filter(Boolean).map((line) => JSON.parse(line)));
}

describe('@segment/analytics-node', () => {
  it('delivers track, identify, page, screen, group and alias calls that land intact', async () => {
    const analytics = new Analytics({ writeKey: 'seg_server_key', host: url, flushAt: 3, maxRetries: 0 });
    const sent: Record<string, any>[] = [];
    const statuses: number[] = [];
    analytics.on('http_request', (request) => sent.push(...JSON.parse(request.body).batch));
    analytics.on('http_response', (response) => statuses.push(response.status));
    const errors: unknown[] = [];
    analytics.on('error', (error) => errors.push(error));

    const timestamp = new Date('2026-11-24T08:00:00.000Z');
    analytics.identify({ userId: 'u-42', traits: { plan: 'pro', email: 'li.lei@example.com' } });
    analytics.track({ userId: 'u-42', event: 'Order Completed', properties: { order_id: 'o-9', revenue: 99.5, currency: 'CNY', products: [{ product_id: 'p1', quantity: 2 }] }, timestamp });
    analytics.page({ anonymousId: 'anon-1', name: 'Pricing', category: 'Docs', properties: { path: '/pricing' } });
    analytics.screen({ userId: 'u-42', name: 'Cart' });
    analytics.group({ userId: 'u-42', groupId: 'g-1', traits: { name: 'Acme' } });
    analytics.alias({ userId: 'u-42', previousId: 'anon-1' });
    await analytics.closeAndFlush({ timeout: 10_000 });

    expect(errors).toEqual([]);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(sent).toHaveLength(6);
    // The collector acknowledged once the batches were spooled; the NDJSON pump follows.
    await expect.poll(async () => (await landed()).length).toBe(6);
    const byId = new Map((await landed()).map((e) => [e.messageId, e]));
    for (const original of sent) {
      const stored = byId.get(original.messageId);
      expect(stored, original.type).toBeDefined();
      // Everything the library sent is kept as sent, apart from the collector's time fields and
      // `_metadata`, Segment's internal routing hint, which the schema strips like any unknown field.
      const { timestamp: _t, _metadata: _m, ...rest } = original;
      expect(stored).toMatchObject({ ...rest, context: { ...original.context } });
      expect(stored!.receivedAt).toEqual(expect.any(String));
    }
    const order = [...byId.values()].find((e) => e.event === 'Order Completed')!;
    expect(order.properties).toEqual({ order_id: 'o-9', revenue: 99.5, currency: 'CNY', products: [{ product_id: 'p1', quantity: 2 }] });
    expect(order.originalTimestamp).toBe('2026-11-24T08:00:00.000Z');
    expect(order.context.library.name).toBe('@segment/analytics-node');
  });
});
