import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector, type Collector } from '../app';
import { sha256 } from '../pipeline/suppression';
import { forget } from './forget';

const logger = pino({ level: 'silent' });
let root: string;
beforeAll(async () => void (root = await mkdtemp(join(tmpdir(), 'tp-forget-'))));
afterAll(() => rm(root, { recursive: true, force: true }));

const auth = { authorization: `Basic ${Buffer.from('demo:').toString('base64')}`, 'content-type': 'application/json' };
const post = (collector: Collector, batch: object[]) => collector.app.request('/v1/batch', { method: 'POST', headers: auth, body: JSON.stringify({ batch }) });
const track = (messageId: string, ids: object, extra: object = {}) => ({ type: 'track', event: 'Product Viewed', messageId, ...ids, ...extra });

const open = (dataDir: string) =>
  createCollector({
    port: 0,
    host: '127.0.0.1',
    logger,
    dataDir,
    log: { fsync: false },
    pii: { salt: 'a-salt-of-16-chars!', paths: [{ path: 'traits.email', kind: 'email' }] },
  });

/** Every line of a stream, with the byte offset it starts at. */
async function linesOf(dataDir: string, stream: string): Promise<{ file: string; offset: number; text: string }[]> {
  const out: { file: string; offset: number; text: string }[] = [];
  for (const name of (await readdir(join(dataDir, stream), { recursive: true })).filter((n) => n.endsWith('.ndjson')).sort()) {
    const text = await readFile(join(dataDir, stream, name), 'utf8');
    let offset = 0;
    for (const line of text.split('\n').slice(0, -1)) {
      out.push({ file: name, offset, text: line });
      offset += Buffer.byteLength(line) + 1;
    }
  }
  return out;
}
const records = (lines: { text: string }[]) =>
  lines
    .filter((l) => l.text.trim() !== '')
    .map((l) => JSON.parse(l.text) as { userId?: string; anonymousId?: string; messageId: string; event?: { userId?: string } });

describe('touchpoint forget, against a running collector', { timeout: 30_000 }, () => {
  it("takes the person's events (and their device's) out in place, keeps everyone else's where they were, and the collector drops their new events", async () => {
    const dataDir = join(root, 'running');
    const collector = await open(dataDir);
    try {
      // a1 browses anonymously, then logs in as u1 (identify carries both); u2 is someone else on a2.
      expect(
        (
          await post(collector, [
            track('m1', { anonymousId: 'a1' }),
            { type: 'identify', messageId: 'm2', anonymousId: 'a1', userId: 'u1', traits: { email: 'Li@Example.com' } },
            track('m3', { anonymousId: 'a2', userId: 'u2' }),
            track('m4', { userId: 'u1', anonymousId: 'a1' }),
            track('m5', { anonymousId: 'a2' }),
            { type: 'track', messageId: 'm6', userId: 'u1' }, // no event name: the failed stream
          ])
        ).status,
      ).toBe(200);
      const before = await linesOf(dataDir, 'events');
      const sizes = await Promise.all([...new Set(before.map((l) => l.file))].map(async (f) => (await stat(join(dataDir, 'events', f))).size));

      const report = await forget({ dataDir, request: { userId: 'u1' }, sinks: [], apply: false, pii: collector.settings.pii });

      expect(report.linked).toEqual({ userIds: [], anonymousIds: ['a1'] });
      expect(report.removed.streams).toEqual({ events: 3, failed: 1 });
      const after = await linesOf(dataDir, 'events');
      // Same files, same sizes, every line where it was: u2's lines byte for byte, the others spaces.
      expect(await Promise.all([...new Set(after.map((l) => l.file))].map(async (f) => (await stat(join(dataDir, 'events', f))).size))).toEqual(sizes);
      expect(after.map(({ file, offset }) => ({ file, offset }))).toEqual(before.map(({ file, offset }) => ({ file, offset })));
      for (const [i, line] of after.entries()) {
        const original = JSON.parse(before[i]!.text) as { userId?: string; anonymousId?: string };
        if (original.userId === 'u1' || original.anonymousId === 'a1') expect(line.text).toBe(' '.repeat(Buffer.byteLength(before[i]!.text)));
        else expect(line.text).toBe(before[i]!.text);
      }
      expect(records(after).map((e) => e.messageId)).toEqual(['m3', 'm5']);
      expect(records(await linesOf(dataDir, 'failed'))).toEqual([]);

      // New events: u1 on a new device, a1 logged out, and u2 — only u2's is written.
      const res = await post(collector, [
        track('n1', { userId: 'u1', anonymousId: 'a9' }),
        track('n2', { anonymousId: 'a1' }),
        track('n3', { anonymousId: 'a2', userId: 'u2' }),
        { type: 'track', messageId: 'n4', userId: 'u1' },
      ]);
      expect(res.status).toBe(200);
      expect(records(await linesOf(dataDir, 'events')).map((e) => e.messageId)).toEqual(['m3', 'm5', 'n3']);
      expect(records(await linesOf(dataDir, 'failed'))).toEqual([]);
      const metrics = await (await collector.adminApp.request('/metrics')).text();
      expect(metrics).toMatch(/touchpoint_events_suppressed_total\{source="demo"\} 3/);

      // The suppression list and the audit log hold digests, never the ids.
      const suppression = await readFile(join(dataDir, 'suppression.ndjson'), 'utf8');
      const audit = await readFile(join(dataDir, 'audit', 'forget.ndjson'), 'utf8');
      for (const text of [suppression, audit]) {
        expect(text).not.toMatch(/"u1"|"a1"/);
        expect(text).toContain(sha256('u1'));
        expect(text).toContain(sha256('a1'));
      }
      expect(audit.trim().split('\n')).toHaveLength(1);
      expect(JSON.parse(audit)).toMatchObject({
        request: [{ kind: 'userId', sha256: sha256('u1') }],
        removed: { streams: { events: 3, failed: 1 } },
        applied: false,
      });
    } finally {
      await collector.stop();
    }

    // A restart reads the blanked parts: recovery keeps them, de-dup still knows u2's events.
    const again = await open(dataDir);
    try {
      const res = await post(again, [track('m3', { anonymousId: 'a2', userId: 'u2' })]);
      expect(await res.json()).toMatchObject({ accepted: 0, duplicates: 1 });
      expect(records(await linesOf(dataDir, 'events')).map((e) => e.messageId)).toEqual(['m3', 'm5', 'n3']);
    } finally {
      await again.stop();
    }
  });

  it('finds a person by e-mail hashed the way the collector hashes it, and their user id and device with it', async () => {
    const dataDir = join(root, 'email');
    const collector = await open(dataDir);
    await post(collector, [
      { type: 'identify', messageId: 'e1', anonymousId: 'd1', userId: 'u7', traits: { email: ' Li@Example.com ' } },
      track('e2', { userId: 'u7' }),
      track('e3', { anonymousId: 'd1' }),
      { type: 'identify', messageId: 'e4', anonymousId: 'd2', userId: 'u8', traits: { email: 'other@example.com' } },
    ]);
    await collector.stop();
    const stored = records(await linesOf(dataDir, 'events'));
    expect(JSON.stringify(stored)).not.toContain('Li@Example.com'); // the collector hashed it

    const report = await forget({ dataDir, request: { email: 'li@example.COM' }, sinks: [], apply: false, pii: collector.settings.pii });
    expect(report.linked).toEqual({ userIds: ['u7'], anonymousIds: ['d1'] });
    expect(records(await linesOf(dataDir, 'events')).map((e) => e.messageId)).toEqual(['e4']);
    // Forgetting again finds nothing more and adds nothing to the list.
    const again = await forget({ dataDir, request: { email: 'li@example.com' }, sinks: [], apply: false, pii: collector.settings.pii });
    expect(again.removed.streams).toEqual({});
    expect(again.suppression.added).toBe(0);
    expect((await readFile(join(dataDir, 'audit', 'forget.ndjson'), 'utf8')).trim().split('\n')).toHaveLength(2);
  });
});
