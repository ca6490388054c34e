import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compact } from './compact';
import { openEngine, type Engine } from './engine';
import { openEvents } from './events';
import { lakePaths, readManifest } from './lake';
import { tempDataFolder, writePart, type Written } from './testing/data-folder';

const NOW = Date.parse('2026-11-03T12:00:00Z');
const at = (day: number, second = 0) => `2026-11-0${day}T10:00:${String(second).padStart(2, '0')}.000Z`;
const events = (prefix: string, day: number, count: number): Written[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${i}`,
    event: 'Product Viewed',
    at: at(day, i),
    anon: `a-${prefix}${i}`,
    context: { page: { url: 'https://shop.example/?utm_campaign=spring' } },
  }));

let engine: Engine;
let data: string;
beforeAll(async () => {
  engine = await openEngine();
});
afterAll(() => engine.close());
afterEach(() => rm(data, { recursive: true, force: true }));

const count = async (sql = 'SELECT count(*)::INTEGER AS n FROM events') => (await engine.all<{ n: number }>(sql))[0]!.n;

describe('compact', () => {
  it('turns sealed parts into typed Parquet in the Hive layout, and leaves a part being written for later', async () => {
    data = await tempDataFolder();
    await writePart(data, events('x', 1, 3), { date: '2026-11-01', startedAtMs: Date.parse('2026-11-01T00:00:00Z'), n: 0 });
    await writePart(data, events('y', 3, 2), { date: '2026-11-03', startedAtMs: NOW - 60_000, n: 1 }); // open: newest, a minute old
    const result = await compact(engine, { data, now: () => NOW });
    expect(result).toMatchObject({ parts: 1, read: 3, written: 3, duplicates: 0, open: 1 });
    expect(await readdir(join(data, 'lake', 'events'))).toEqual(['date=2026-11-01']);
    const [types] = await engine.all<Record<string, string>>(`SELECT typeof(timestamp) AS ts, typeof(context) AS ctx, typeof(received_at) AS rat, campaign
      FROM read_parquet('${join(data, 'lake', 'events', 'date=2026-11-01', '*.parquet')}') LIMIT 1`);
    expect(types).toEqual({ ts: 'TIMESTAMP WITH TIME ZONE', ctx: 'JSON', rat: 'TIMESTAMP WITH TIME ZONE', campaign: 'spring' });

    // The events view: the lake plus the part not yet compacted.
    await openEvents(engine, data);
    expect(await count()).toBe(5);
  });

  it('does not read a compacted part again, and drops re-sent events already in the lake', async () => {
    data = await tempDataFolder();
    await writePart(data, events('x', 1, 3), { date: '2026-11-01', n: 0 });
    expect((await compact(engine, { data, now: () => NOW })).written).toBe(3);
    expect(await compact(engine, { data, now: () => NOW })).toMatchObject({ parts: 0, read: 0, written: 0 });
    // A backfill: the same events again, and one new, in a later part (gzip, one member per line).
    await writePart(data, [...events('x', 1, 3), ...events('z', 2, 1)], { date: '2026-11-02', n: 1, gzip: true });
    await openEvents(engine, data);
    expect(await count()).toBe(4); // fresh rows that the lake has are not counted twice
    expect(await compact(engine, { data, now: () => NOW })).toMatchObject({ parts: 1, read: 4, written: 1, duplicates: 3 });
    await openEvents(engine, data);
    expect(await count()).toBe(4);
    const manifest = await readManifest(lakePaths(data));
    expect(Object.keys(manifest.parts).sort()).toEqual([
      `events/date=2026-11-01/part-${Date.parse('2026-11-01')}-4242-0.ndjson`,
      `events/date=2026-11-02/part-${Date.parse('2026-11-02')}-4242-1.ndjson.gz`,
    ]);
  });

  it('keeps the first of an event sent twice in one round, skips a torn last line, and cleans up an interrupted run', async () => {
    data = await tempDataFolder();
    await writePart(data, [...events('x', 1, 2), { ...events('x', 1, 1)[0]!, at: at(1, 30) }], { date: '2026-11-01', tail: '{"messageId":"torn","type":"tra' });
    await mkdir(join(data, 'lake', '_staging-1-0', 'date=2026-11-01'), { recursive: true });
    await writeFile(join(data, 'lake', '_staging-1-0', 'date=2026-11-01', 'part-0.parquet'), 'half written');
    expect(await compact(engine, { data, now: () => NOW })).toMatchObject({ read: 3, written: 2, duplicates: 1 });
    expect(await readdir(join(data, 'lake'))).toEqual(['compacted.json', 'events']);
    await openEvents(engine, data);
    expect(await count(`SELECT count(*)::INTEGER AS n FROM events WHERE message_id = 'x0' AND timestamp = '${at(1, 0)}'`)).toBe(1);
  });

  it('rebuilds a lake written by an earlier version, which the commands refuse to read', async () => {
    data = await tempDataFolder();
    await writePart(data, events('x', 1, 3), { date: '2026-11-01', n: 0 });
    await compact(engine, { data, now: () => NOW });
    // Version 1 had no person_key: its files are what a reader would trip on.
    const paths = lakePaths(data);
    await writeFile(paths.manifest, JSON.stringify({ version: 1, parts: (await readManifest(paths)).parts }));
    await expect(openEvents(engine, data)).rejects.toThrow(/earlier version: run `touchpoint compact`/);
    const messages: string[] = [];
    expect(await compact(engine, { data, now: () => NOW, progress: (m) => messages.push(m) })).toMatchObject({ parts: 1, read: 3, written: 3, duplicates: 0 });
    expect(messages[0]).toMatch(/earlier version: rebuilding/);
    expect((await readdir(join(paths.lakeEvents, 'date=2026-11-01'))).length).toBe(1);
    await openEvents(engine, data);
    expect(await count(`SELECT count(DISTINCT person_key)::INTEGER AS n FROM events`)).toBe(3);
  });
});
