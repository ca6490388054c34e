import { appendFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSegmentLog } from './segment-log';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tp-log-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const text = (records: { payload: Buffer }[]) => records.map((r) => r.payload.toString());

describe('segment log', () => {
  it('appends records and reads them back in order, from any position', async () => {
    const log = await openSegmentLog({ dir });
    const a = await log.append(Buffer.from('a'));
    await log.append(Buffer.from('bb'));
    await log.append(Buffer.from('ccc'));
    expect(text(await log.read({ segment: 0, offset: 0 }, 1 << 20))).toEqual(['a', 'bb', 'ccc']);
    expect(text(await log.read(a.next, 1 << 20))).toEqual(['bb', 'ccc']);
    expect(await log.read(log.end(), 1 << 20)).toEqual([]);
    await log.close();
  });

  it('serves the newest records from memory exactly as they read back from disk', async () => {
    const log = await openSegmentLog({ dir, segmentBytes: 64, tailBytes: 200 });
    const appended = [];
    for (let i = 0; i < 12; i++) appended.push(await log.append(Buffer.from(`payload-${i}-`.padEnd(20 + i, '.'))));
    const fromDisk = await openSegmentLog({ dir, segmentBytes: 64, tailBytes: 0 });
    // From every record's start and end (segment ends included), with small and large budgets.
    for (const from of [{ segment: 0, offset: 0 }, ...appended.flatMap((a) => [a.position, a.next])]) {
      for (const budget of [1, 70, 1 << 20]) {
        const memory = await log.read(from, budget);
        const disk = await fromDisk.read(from, budget);
        expect(memory.map((r) => [r.position, r.next, r.payload.toString()])).toEqual(disk.map((r) => [r.position, r.next, r.payload.toString()]));
      }
    }
    await fromDisk.close();
    await log.close();
  });

  it('shares one write and one fsync between concurrent appends (group commit)', async () => {
    const log = await openSegmentLog({ dir });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(Buffer.from(`record-${i}`))));
    // All but the first arrived while the first was being written: they went out as one group.
    expect(log.groupCommits()).toBe(2);
    expect(new Set(results.map((r) => r.position.offset)).size).toBe(100);
    expect(text(await log.read({ segment: 0, offset: 0 }, 1 << 20))).toEqual(Array.from({ length: 100 }, (_, i) => `record-${i}`));
    await log.close();
  });

  it('rolls to a new segment past the size, reads across segments, and drops finished ones', async () => {
    const log = await openSegmentLog({ dir, segmentBytes: 64 });
    const positions = [];
    for (let i = 0; i < 10; i++) positions.push(await log.append(Buffer.from(`payload-${i}-`.padEnd(30, '.'))));
    const segments = (await readdir(dir)).sort();
    expect(segments.length).toBeGreaterThan(3);
    expect(text(await log.read({ segment: 0, offset: 0 }, 1 << 20))).toHaveLength(10);
    await log.dropBefore(positions[6]!.position);
    expect((await readdir(dir)).length).toBeLessThan(segments.length);
    expect(text(await log.read(positions[6]!.position, 1 << 20))).toHaveLength(4);
    await log.close();
  });

  it('reads a record larger than the read budget whole', async () => {
    const log = await openSegmentLog({ dir });
    await log.append(Buffer.alloc(10_000, 'x'));
    await log.append(Buffer.from('after'));
    const first = await log.read({ segment: 0, offset: 0 }, 100);
    expect(first.map((r) => r.payload.length)).toEqual([10_000]);
    expect(text(await log.read(first[0]!.next, 100))).toEqual(['after']);
    await log.close();
  });

  it('cuts a torn record off the end after a crash and keeps everything before it', async () => {
    const log = await openSegmentLog({ dir });
    await log.append(Buffer.from('kept-1'));
    await log.append(Buffer.from('kept-2'));
    await log.close();
    const [file] = await readdir(dir);
    const intact = (await stat(join(dir, file!))).size;
    // A crash mid-write: a header promising 100 bytes, and only 5 of them.
    await appendFile(join(dir, file!), Buffer.concat([Buffer.from([0, 0, 0, 100, 1, 2, 3, 4]), Buffer.from('abcde')]));
    const reopened = await openSegmentLog({ dir });
    expect((await stat(join(dir, file!))).size).toBe(intact);
    await reopened.append(Buffer.from('after-restart'));
    expect(text(await reopened.read({ segment: 0, offset: 0 }, 1 << 20))).toEqual(['kept-1', 'kept-2', 'after-restart']);
    await reopened.close();
  });

  it('stops at a record whose checksum does not match', async () => {
    const log = await openSegmentLog({ dir });
    await log.append(Buffer.from('good'));
    await log.close();
    const [file] = await readdir(dir);
    const bad = Buffer.concat([Buffer.from([0, 0, 0, 3, 0, 0, 0, 0]), Buffer.from('bad')]);
    await appendFile(join(dir, file!), bad);
    const reopened = await openSegmentLog({ dir });
    expect(text(await reopened.read({ segment: 0, offset: 0 }, 1 << 20))).toEqual(['good']);
    await reopened.close();
  });

  it('wakes a reader waiting for data', async () => {
    const log = await openSegmentLog({ dir });
    const waiting = log.waitForData(log.end());
    let woke = false;
    void waiting.then(() => (woke = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(woke).toBe(false);
    await log.append(Buffer.from('x'));
    await waiting;
    expect(woke).toBe(true);
    await log.close();
  });
});
