import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compact } from '../analysis/compact';
import { openEngine } from '../analysis/engine';
import { openEvents } from '../analysis/events';
import { listLakeFiles, lakePaths } from '../analysis/lake';
import { tempDataFolder, writePart } from '../analysis/testing/data-folder';
import { t } from '../analysis/testing/engine-with';
import { forget } from './forget';

let data: string;
beforeAll(async () => {
  data = await tempDataFolder();
  // Compacted into the lake: u1 on device a1 (and a1 before login), u2 on a2.
  await writePart(data, [
    { id: 'l1', event: 'Product Viewed', at: t(0), anon: 'a1' },
    { id: 'l2', event: 'Product Viewed', at: t(1), anon: 'a1', user: 'u1' },
    { id: 'l3', event: 'Product Viewed', at: t(2), anon: 'a2', user: 'u2' },
  ]);
  const engine = await openEngine();
  try {
    await compact(engine, { data, sealedAfterSeconds: 1 });
  } finally {
    engine.close();
  }
  // A fresh part, not compacted yet, and an identity mapping made from both.
  await writePart(
    data,
    [
      { id: 'f1', event: 'Order Completed', at: t(3), anon: 'a1' },
      { id: 'f2', event: 'Order Completed', at: t(4), anon: 'a2' },
    ],
    { date: '2026-11-02' },
  );
  await mkdir(lakePaths(data).persons, { recursive: true });
  await writeFile(join(lakePaths(data).persons, 'stitch.json'), '{}');
});
afterAll(() => rm(data, { recursive: true, force: true }));

describe('forget in the Parquet lake', () => {
  it("rewrites the lake files holding the person's rows (linked device found in the lake), and the analysis reads what is left", async () => {
    const [lakeFile] = await listLakeFiles(lakePaths(data));
    const report = await forget({ dataDir: data, request: { userId: 'u1' }, sinks: [], apply: false });
    expect(report.linked.anonymousIds).toEqual(['a1']);
    expect(report.removed.lake).toEqual([{ file: lakeFile!.slice(data.length + 1), rows: 2 }]);
    expect(report.removed.streams).toEqual({ events: 3 }); // the compacted part's two lines and the fresh one
    expect(report.removed.identityMapping).toBe(true);
    expect(existsSync(lakePaths(data).persons)).toBe(false);
    expect(await listLakeFiles(lakePaths(data))).toEqual([lakeFile]);
    expect(isWholeParquet(await readFile(lakeFile!))).toBe(true);

    const engine = await openEngine();
    try {
      await openEvents(engine, data);
      const rows = await engine.all<{ message_id: string }>('SELECT message_id FROM events ORDER BY message_id');
      expect(rows.map((r) => r.message_id)).toEqual(['f2', 'l3']);
    } finally {
      engine.close();
    }
  });
});

/** A Parquet file starts and ends with its magic bytes: the rename left a whole file. */
const isWholeParquet = (bytes: Buffer) => bytes.subarray(0, 4).toString() === 'PAR1' && bytes.subarray(-4).toString() === 'PAR1';
