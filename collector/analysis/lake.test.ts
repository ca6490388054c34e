import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isSealed, LAKE_VERSION, lakePaths, listParts, OutdatedLakeError, readManifest, writeManifest, type Part } from './lake';
import { tempDataFolder, writePart } from './testing/data-folder';

const part = (date: string, startedAtMs: number, pid: number, n: number): Part => ({
  key: `${pid}-${n}`,
  path: '',
  date,
  bytes: 1,
  writer: `pid:${pid}`,
  startedAtMs,
  seq: startedAtMs * 1e4 + n,
});
const logPart = (date: string, seq: number): Part => ({ key: `log-${seq}`, path: '', date, bytes: 1, writer: 'log', startedAtMs: 0, seq });
const NOW = Date.parse('2026-11-02T12:00:00Z');
const HOUR = 3_600_000;

describe('isSealed', () => {
  it('leaves the newest part of a process, opened within the rotation age, open', () => {
    const open = part('2026-11-02', NOW - 10 * 60_000, 7, 3);
    expect(isSealed(open, [open], NOW, HOUR)).toBe(false);
    // another process's later part does not seal it
    expect(isSealed(open, [open, part('2026-11-02', NOW - 60_000, 8, 0)], NOW, HOUR)).toBe(false);
  });

  it('seals a part once its process opened a later one, its day is past, or it is older than the rotation age', () => {
    const p = part('2026-11-02', NOW - 10 * 60_000, 7, 3);
    expect(isSealed(p, [p, part('2026-11-02', NOW - 60_000, 7, 4)], NOW, HOUR)).toBe(true);
    expect(isSealed(part('2026-11-01', NOW - 10 * 60_000, 7, 3), [], NOW, HOUR)).toBe(true);
    expect(isSealed(part('2026-11-02', NOW - HOUR, 7, 3), [], NOW, HOUR)).toBe(true);
  });
});

describe("isSealed, for the collector's log", () => {
  it('leaves its newest part open however old, and seals the others and past days', () => {
    const newest = logPart('2026-11-02', 7);
    expect(isSealed(newest, [logPart('2026-11-02', 6), newest], NOW, HOUR)).toBe(false);
    expect(isSealed(logPart('2026-11-02', 6), [logPart('2026-11-02', 6), newest], NOW, HOUR)).toBe(true);
    expect(isSealed(logPart('2026-11-01', 5), [logPart('2026-11-01', 5)], NOW, HOUR)).toBe(true);
    // a copy sink's parts are another writer's
    expect(isSealed(newest, [newest, part('2026-11-02', NOW, 7, 9)], NOW, HOUR)).toBe(false);
    // no collector running on the folder: its newest part is finished too
    expect(isSealed(newest, [newest], NOW, HOUR, false)).toBe(true);
  });
});

describe('the data folder', () => {
  let data: string;
  afterEach(() => rm(data, { recursive: true, force: true }));

  it('lists only the parts the sink names, skipping empty ones, oldest first', async () => {
    data = await tempDataFolder();
    await writePart(data, [{ id: 'a', at: '2026-11-02T00:00:00.000Z' }], { date: '2026-11-02', startedAtMs: 200 });
    await writePart(data, [{ id: 'b', at: '2026-11-01T00:00:00.000Z' }], { date: '2026-11-01', startedAtMs: 100, gzip: true });
    await writeFile(join(data, 'events', 'date=2026-11-01', 'notes.txt'), 'not a part');
    await writeFile(join(data, 'events', 'date=2026-11-01', 'part-300-1-0.ndjson'), '');
    await writeFile(join(data, 'events', 'date=2026-11-02', 'part-000000000003.ndjson'), '{"id":"c"}\n');
    await writeFile(join(data, 'events', 'date=2026-11-01', 'part-000000000002.ndjson'), '{"id":"d"}\n');
    await mkdir(join(data, 'events', 'elsewhere'), { recursive: true });
    expect((await listParts(lakePaths(data))).map((p) => p.key)).toEqual([
      'events/date=2026-11-01/part-000000000002.ndjson',
      'events/date=2026-11-01/part-100-4242-0.ndjson.gz',
      'events/date=2026-11-02/part-000000000003.ndjson',
      'events/date=2026-11-02/part-200-4242-0.ndjson',
    ]);
  });

  it('keeps the manifest whole: written to a temporary file and renamed', async () => {
    data = await tempDataFolder();
    const paths = lakePaths(data);
    expect(await readManifest(paths)).toEqual({ version: LAKE_VERSION, parts: {} });
    await writeManifest(paths, { version: LAKE_VERSION, parts: { k: { bytes: 1, rows: 2, file: 'f' } } });
    expect((await readManifest(paths)).parts.k).toEqual({ bytes: 1, rows: 2, file: 'f' });
    await writeFile(paths.manifest, JSON.stringify({ version: 9 }));
    await expect(readManifest(paths)).rejects.toThrow(/not a compaction manifest/);
    await writeFile(paths.manifest, JSON.stringify({ version: 1, parts: {} }));
    await expect(readManifest(paths)).rejects.toThrow(OutdatedLakeError);
    await expect(readManifest(paths)).rejects.toThrow(/earlier version: run `touchpoint compact` to rebuild/);
  });
});
