import { appendFile, mkdtemp, open, readdir, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openStreamLog, type Position } from './stream-log';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tp-log-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const options = { rotateBytes: 1 << 20, rotateSeconds: 3600, fsync: true };
const line = (text: string) => Buffer.from(`${JSON.stringify({ v: text })}\n`);
const values = (lines: Buffer) =>
  lines
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { v: string }).v);
const start: Position = { seq: 0, offset: 0 };

/** Everything from `from` to the end, read in budgets of `budget` bytes as a consumer does. */
async function readAll(log: Awaited<ReturnType<typeof openStreamLog>>, from: Position, budget = 1 << 20) {
  const out: string[] = [];
  let at = from;
  for (;;) {
    const read = await log.read(at, budget);
    if (read.count === 0 && read.next.seq === at.seq && read.next.offset === at.offset) return out;
    out.push(...values(read.lines));
    at = read.next;
  }
}

async function partFiles(): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.ndjson')).sort();
}

describe('stream log', () => {
  it('appends lines to NDJSON parts in day folders, the files a user reads', async () => {
    const log = await openStreamLog({ dir, ...options, now: () => Date.parse('2026-11-24T23:59:59Z') });
    const a = await log.append(line('a'));
    await log.append(Buffer.concat([line('b'), line('c')]));
    expect(await readAll(log, start)).toEqual(['a', 'b', 'c']);
    expect(await readAll(log, a)).toEqual(['b', 'c']);
    await log.close();
    expect(await partFiles()).toEqual(['date=2026-11-24/part-000000000001.ndjson']);
    expect(values(await readFile(join(dir, 'date=2026-11-24', 'part-000000000001.ndjson')))).toEqual(['a', 'b', 'c']);
  });

  it('shares one synchronous write between concurrent appends (group commit)', async () => {
    const log = await openStreamLog({ dir, ...options });
    const probe = await open(join(dir, 'probe'), 'w');
    const writev = vi.spyOn(Object.getPrototypeOf(probe) as FileHandle, 'writev');
    await probe.close();
    try {
      const ends = await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(line(`r${i}`))));
      // All but the first arrived while the first was being written: they went out as one group.
      expect(writev).toHaveBeenCalledTimes(2);
      expect(new Set(ends.map((e) => e.offset)).size).toBe(100);
    } finally {
      writev.mockRestore();
    }
    expect(await readAll(log, start)).toEqual(Array.from({ length: 100 }, (_, i) => `r${i}`));
    await log.close();
  });

  it('rotates by size, by age and at midnight, and reads across parts', async () => {
    let now = Date.parse('2026-11-24T23:00:00Z');
    const log = await openStreamLog({ dir, rotateBytes: 40, rotateSeconds: 600, fsync: false, now: () => now });
    for (let i = 0; i < 4; i++) await log.append(line(`size-${i}`)); // ~16 bytes each: 3 per part
    now += 601_000;
    await log.append(line('aged'));
    now = Date.parse('2026-11-25T00:00:01Z');
    await log.append(line('tomorrow'));
    expect(await readAll(log, start, 20)).toEqual(['size-0', 'size-1', 'size-2', 'size-3', 'aged', 'tomorrow']);
    await log.close();
    const files = await partFiles();
    expect(files.filter((f) => f.startsWith('date=2026-11-24')).length).toBe(3);
    expect(files.filter((f) => f.startsWith('date=2026-11-25'))).toEqual(['date=2026-11-25/part-000000000004.ndjson']);
  });

  it('serves the newest lines from memory exactly as they read back from disk', async () => {
    const log = await openStreamLog({ dir, rotateBytes: 64, rotateSeconds: 3600, fsync: false, tailBytes: 100 });
    const ends = [start];
    for (let i = 0; i < 12; i++) ends.push(await log.append(line(`payload-${i}-`.padEnd(10 + i, '.'))));
    const fromDisk = await openStreamLog({ dir: join(dir, '..', dir.split('/').pop()!), rotateBytes: 64, rotateSeconds: 3600, fsync: false, tailBytes: 0 });
    for (const from of ends) {
      for (const budget of [1, 50, 1 << 20]) {
        const memory = await log.read(from, budget);
        const disk = await fromDisk.read(from, budget);
        expect([memory.lines.toString(), memory.count, memory.next]).toEqual([disk.lines.toString(), disk.count, disk.next]);
      }
    }
    await fromDisk.close();
    await log.close();
  });

  it('reads a line longer than the budget whole', async () => {
    const log = await openStreamLog({ dir, ...options, tailBytes: 0 });
    await log.append(line('x'.repeat(10_000)));
    const after = await log.append(line('after'));
    const first = await log.read(start, 100);
    expect(values(first.lines)).toEqual(['x'.repeat(10_000)]);
    expect(values((await log.read(first.next, 100)).lines)).toEqual(['after']);
    expect(first.next.offset).toBeLessThan(after.offset);
    await log.close();
  });

  it('cuts a torn line and corrupt bytes off the end after a crash, keeps what was whole, and writes to a new part', async () => {
    const log = await openStreamLog({ dir, ...options });
    await log.append(Buffer.concat([line('kept-1'), line('kept-2')]));
    await log.close();
    const [file] = await partFiles();
    const intact = (await stat(join(dir, file!))).size;
    // A crash mid-write: NUL bytes where the size grew before the data landed, a cut line.
    await appendFile(join(dir, file!), Buffer.concat([Buffer.from('{"v":"corrupt\0\0\0"}\n'), Buffer.from('{"v":"cut')]));
    const reopened = await openStreamLog({ dir, ...options });
    expect((await stat(join(dir, file!))).size).toBe(intact);
    await reopened.append(line('after-restart'));
    expect(await readAll(reopened, start)).toEqual(['kept-1', 'kept-2', 'after-restart']);
    expect(await partFiles()).toHaveLength(2);
    await reopened.close();
  });

  it('never writes after torn bytes when a failed write cannot be cut back (the O_APPEND loss)', async () => {
    // A write that fails half-way (a full disk), and then the cut back fails too. The spool before
    // this log opened its files O_APPEND and ignored the failed cut: the next write landed after the
    // torn bytes, and the next start cut every acknowledged line written after them.
    const log = await openStreamLog({ dir, ...options });
    await log.append(line('acknowledged-1'));
    const probe = await open(join(dir, 'probe'), 'w');
    const handleClass = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const realWritev = handleClass.writev;
    const realTruncate = handleClass.truncate;
    let faults = 1;
    const writev = vi.spyOn(handleClass, 'writev').mockImplementation(async function (this: FileHandle, buffers, position) {
      if (faults-- > 0) {
        // Half of the group reaches the disk, then the disk is full.
        const half = Buffer.concat(buffers as Buffer[]).subarray(0, 7);
        await realWritev.call(this, [half], position);
        return { bytesWritten: half.length, buffers } as never;
      }
      return realWritev.call(this, buffers, position);
    });
    let truncateFails = 2;
    const truncate = vi.spyOn(handleClass, 'truncate').mockImplementation(async function (this: FileHandle, length) {
      if (truncateFails-- > 0) throw Object.assign(new Error('EIO: i/o error, ftruncate'), { code: 'EIO' });
      return realTruncate.call(this, length);
    });
    try {
      // The disk was full, and the torn half could not be cut: this and later appends are refused
      // (the clients keep their events and retry) until it can.
      await expect(log.append(line('refused'))).rejects.toThrow(/cannot cut back a failed write/);
      await expect(log.append(line('also-refused'))).rejects.toThrow(/cannot cut back a failed write/);
      // Now the cut back works: the log goes on where the acknowledged lines end.
      await log.append(line('acknowledged-2'));
    } finally {
      writev.mockRestore();
      truncate.mockRestore();
    }
    await log.close();
    const reopened = await openStreamLog({ dir, ...options });
    expect(await readAll(reopened, start)).toEqual(['acknowledged-1', 'acknowledged-2']);
    await reopened.close();
  });

  it('deletes a finished part on request, and reads on from the next one', async () => {
    const log = await openStreamLog({ dir, rotateBytes: 10, rotateSeconds: 3600, fsync: false, tailBytes: 0 });
    for (let i = 0; i < 3; i++) await log.append(line(`p${i}`));
    expect(log.parts().map((p) => p.seq)).toEqual([1, 2, 3]);
    await log.drop(1);
    await log.drop(3); // the part being written stays
    expect(log.parts().map((p) => p.seq)).toEqual([2, 3]);
    expect(await readAll(log, start)).toEqual(['p1', 'p2']);
    await log.close();
  });

  it('wakes a reader waiting for data', async () => {
    const log = await openStreamLog({ dir, ...options });
    const waiting = log.waitForData(log.end());
    let woke = false;
    void waiting.then(() => (woke = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(woke).toBe(false);
    await log.append(line('x'));
    await waiting;
    expect(woke).toBe(true);
    await log.close();
  });
});
