import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ndjson } from '../records';
import { createNdjsonSink } from './ndjson';

const lines = (records: object[]) => Buffer.from(ndjson(records));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tp-ndjson-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readLines(): Promise<{ file: string; rows: any[] }[]> {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.ndjson')).sort();
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(join(dir, file), 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      return {
        file,
        rows: text
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line)),
      };
    }),
  );
}

describe('createNdjsonSink', () => {
  it('writes one event per line under a date partition', async () => {
    const sink = createNdjsonSink({ dir, now: () => new Date('2026-11-24T23:59:00Z') });
    await sink.writeLines(lines([{ a: 1 }, { b: 'line\nbreak' }]));
    await sink.close();
    const [only] = await readLines();
    expect(only!.file).toMatch(/^date=2026-11-24\/part-\d+-\d+-\d+\.ndjson$/);
    expect(only!.rows).toEqual([{ a: 1 }, { b: 'line\nbreak' }]);
  });

  it('starts a new partition when the UTC date changes', async () => {
    let now = new Date('2026-11-24T23:59:59Z');
    const sink = createNdjsonSink({ dir, now: () => now });
    await sink.writeLines(lines([{ day: 1 }]));
    now = new Date('2026-11-25T00:00:01Z');
    await sink.writeLines(lines([{ day: 2 }]));
    await sink.close();
    const files = await readLines();
    expect(files.map((f) => f.file.slice(0, 15))).toEqual(['date=2026-11-24', 'date=2026-11-25']);
    expect(files.map((f) => f.rows)).toEqual([[{ day: 1 }], [{ day: 2 }]]);
  });

  it('rotates part files by size and by age', async () => {
    let now = new Date('2026-11-24T10:00:00Z');
    const sink = createNdjsonSink({ dir, rotateBytes: 100, rotateSeconds: 60, now: () => now });
    await sink.writeLines(lines([{ pad: 'x'.repeat(120) }])); // over 100 bytes: the next write starts a new part
    await sink.writeLines(lines([{ n: 2 }]));
    now = new Date('2026-11-24T10:01:01Z'); // over 60 s
    await sink.writeLines(lines([{ n: 3 }]));
    await sink.close();
    expect((await readLines()).map((f) => f.rows.length)).toEqual([1, 1, 1]);
  });

  it('writes gzip files that decompress to the same lines', async () => {
    const sink = createNdjsonSink({ dir, gzip: true });
    await sink.writeLines(lines([{ a: 1 }]));
    await sink.writeLines(lines([{ b: 2 }, { c: '订单' }]));
    await sink.close();
    const [file] = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.ndjson.gz'));
    const text = gunzipSync(await readFile(join(dir, file!))).toString('utf8');
    expect(
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ a: 1 }, { b: 2 }, { c: '订单' }]);
  });

  it('keeps every line intact under many concurrent writes', async () => {
    const sink = createNdjsonSink({ dir });
    const writes = Array.from({ length: 200 }, (_, i) => sink.writeLines(lines(Array.from({ length: 5 }, (_, j) => ({ i, j, pad: 'x'.repeat(500) })))));
    await Promise.all(writes);
    await sink.close();
    const rows = (await readLines()).flatMap((f) => f.rows);
    expect(rows).toHaveLength(1000);
    expect(new Set(rows.map((r) => `${r.i}:${r.j}`)).size).toBe(1000);
    // Each request's lines stay together and in order.
    const first = rows.findIndex((r) => r.i === 42);
    expect(rows.slice(first, first + 5).map((r) => r.j)).toEqual([0, 1, 2, 3, 4]);
  });

  it('close waits for pending writes and refuses new ones', async () => {
    const sink = createNdjsonSink({ dir });
    const write = sink.writeLines(lines([{ late: true }]));
    await sink.close();
    await write;
    expect((await readLines())[0]!.rows).toEqual([{ late: true }]);
    await expect(sink.writeLines(lines([{ after: true }]))).rejects.toThrow(/closed/);
  });

  it('cuts the torn last line a killed process left before writing on', async () => {
    const partition = join(dir, 'date=2026-11-24');
    await mkdir(partition, { recursive: true });
    await writeFile(join(partition, 'part-1-1-0.ndjson'), '{"a":1}\n{"b":2}\n{"c":');
    const sink = createNdjsonSink({ dir, now: () => new Date('2026-11-24T12:00:00Z') });
    await sink.writeLines(lines([{ d: 4 }]));
    await sink.close();
    expect((await readLines()).map((f) => f.rows)).toEqual([[{ a: 1 }, { b: 2 }], [{ d: 4 }]]);
  });

  it('rejects the waiting writes when the disk write fails', async () => {
    await writeFile(join(dir, 'file-not-folder'), 'x');
    const sink = createNdjsonSink({ dir: join(dir, 'file-not-folder') });
    await expect(sink.writeLines(lines([{ a: 1 }]))).rejects.toThrow();
  });
});
