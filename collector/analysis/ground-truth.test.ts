import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouseSink } from '../sinks/clickhouse';
import type { StoredEvent } from '../records';
import { startClickHouse, type ClickHouseServer } from '../sinks/clickhouse-server.test-support';
import { eventsBatch } from '../sinks/sample-events';
import { createPostgresSink } from '../sinks/postgres';
import { attribution, type AttributionModel } from './attribution';
import { compact } from './compact';
import { openEngine, type Engine } from './engine';
import { openEvents } from './events';
import { funnel, type FunnelResult } from './funnel';
import { DEFAULT_MAX_IDS, saveMapping, stitch, usePersons, type StitchResult } from './stitch';
import { FUNNEL, generateJourneys, type Journeys } from './testing/journeys';
import { expectedAttribution, expectedFunnel, expectedGroups } from './testing/oracle';
import { sendThroughCollector, type DeliveryReport } from './testing/through-collector';
import { attributionSql, funnelSql, stitchSql } from './warehouse';

// Journeys with known truth, sent through the real collector over HTTP (enrichment, skew
// correction, device cookie, hashed e-mails, its de-dup window, a restart that lets re-sent
// events land twice); then the embedded engine on what it wrote, and the warehouse SQL on the
// same events in the real ClickHouse (Debian's 18.16) and PostgreSQL, written by the real sinks.
const END = Date.UTC(2026, 10, 20);
const MODELS: AttributionModel[] = ['first', 'last', 'linear', 'position'];
const FUNNELS: { steps: string[]; windowSeconds: number }[] = [
  { steps: [...FUNNEL], windowSeconds: 86_400 },
  { steps: [...FUNNEL], windowSeconds: 7 * 86_400 },
  { steps: [FUNNEL[0], FUNNEL[2]], windowSeconds: 3600 },
  { steps: [FUNNEL[1], FUNNEL[2]], windowSeconds: 30 * 86_400 },
];
const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const PG_TABLE = `analysis_events_${process.pid}`;
const PG_PREFIX = `analysis_${process.pid}_`;

let journeys: Journeys;
let delivery: DeliveryReport;
let data: string;
let engine: Engine;
let stitched: StitchResult;
let clickhouse: ClickHouseServer;
let postgres: pg.Client;

beforeAll(async () => {
  journeys = generateJourneys({ persons: 400, seed: 7, end: END, tabletCustomers: 120 });
  data = await mkdtemp(join(tmpdir(), 'tp-analysis-truth-'));
  delivery = await sendThroughCollector(journeys, data);
  engine = await openEngine();
  const sources = await openEvents(engine, data);
  stitched = await stitch(engine);
  await saveMapping(engine, sources, stitched, DEFAULT_MAX_IDS);
  await usePersons(engine, sources);
}, 120_000);

afterAll(async () => {
  engine?.close();
  await rm(data, { recursive: true, force: true });
});

/** Every event the collector wrote (duplicates included), as the sinks would have received them. */
async function writtenEvents(): Promise<object[]> {
  const events: object[] = [];
  for (const folder of await readdir(join(data, 'events'))) {
    for (const file of await readdir(join(data, 'events', folder))) {
      for (const line of (await readFile(join(data, 'events', folder, file), 'utf8')).split('\n')) if (line) events.push(JSON.parse(line));
    }
  }
  return events;
}

const funnelNumbers = (result: FunnelResult) => result.steps.map((s) => s.persons);

describe('embedded engine (DuckDB) against the ground truth', () => {
  it('read every event once, though some were written twice', async () => {
    expect(delivery.duplicatesLanded).toBeGreaterThan(0);
    expect((await writtenEvents()).length).toBeGreaterThan(journeys.truth.length);
    const [{ rows }] = (await engine.all<{ rows: number }>('SELECT count(*)::INTEGER AS rows FROM events')) as [{ rows: number }];
    expect(rows).toBe(journeys.truth.length);
  });

  it('stitches exactly the groups of devices that revealed a shared identifier', async () => {
    const sources = await openEvents(engine, data);
    await usePersons(engine, sources);
    const rows = await engine.all<{ message_id: string; person_id: string }>('SELECT message_id, person_id FROM events_p');
    const personOf = new Map(rows.map((r) => [r.message_id, r.person_id]));
    const personsOfGroup = [...expectedGroups(journeys.truth)].map(([, ids]) => new Set(ids.map((id) => personOf.get(id))));
    // Each group is one person, and no person spans two groups.
    expect(personsOfGroup.filter((persons) => persons.size !== 1)).toEqual([]);
    expect(new Set(personsOfGroup.map((p) => [...p][0])).size).toBe(personsOfGroup.length);
    expect(stitched.persons).toBe(journeys.groups);
    expect(stitched.suspicious.map((s) => s.identifier).sort()).toEqual([...journeys.suspicious].sort());
  });

  it('gives the same person ids for the same input', async () => {
    const again = await openEngine();
    try {
      await openEvents(again, data);
      await stitch(again);
      const ids = (e: Engine) => e.all<{ identifier: string; person_id: string }>('SELECT identifier, person_id FROM persons ORDER BY identifier');
      expect(await ids(again)).toEqual(await ids(engine));
    } finally {
      again.close();
    }
  });

  it.each(FUNNELS)('counts the funnel $steps within $windowSeconds s as the rules say', async ({ steps, windowSeconds }) => {
    const result = await funnel(engine, { steps, windowSeconds });
    const expected = expectedFunnel(journeys.truth, steps, windowSeconds);
    expect(funnelNumbers(result)).toEqual(expected.persons);
    expect(result.steps[1]!.persons).toBeGreaterThan(0);
    // Medians from the collector's times, which carry each request's latency (milliseconds).
    result.steps.forEach((step, k) => {
      if (k === 0) expect(step.medianSeconds).toBeNull();
      else expect(Math.abs(step.medianSeconds! - expected.medianSeconds[k]!)).toBeLessThan(1);
    });
  });

  it.each(MODELS)('attributes conversions and revenue with the %s model as the rules say', async (model) => {
    for (const lookbackSeconds of [30 * 86_400, 7 * 86_400]) {
      const rows = await attribution(engine, { conversion: FUNNEL[2], model, by: 'campaign', lookbackSeconds });
      const expected = expectedAttribution(journeys.truth, FUNNEL[2], model, lookbackSeconds);
      expect(rows.map((r) => r.key).sort()).toEqual([...expected.keys()].sort());
      for (const row of rows) {
        expect(row.conversions).toBeCloseTo(expected.get(row.key)!.conversions, 9);
        expect(row.revenue).toBeCloseTo(expected.get(row.key)!.revenue, 5);
      }
      const orders = journeys.truth.filter((e) => e.name === FUNNEL[2]);
      // Every conversion is credited once, and all its revenue, to the micro-unit.
      expect(rows.reduce((sum, r) => sum + r.conversions, 0)).toBeCloseTo(orders.length, 9);
      expect(Math.round(rows.reduce((sum, r) => sum + r.revenue, 0) * 1e6)).toBe(Math.round(orders.reduce((sum, o) => sum + o.revenue! * 1e6, 0)));
    }
  });

  it('answers the same from the compacted lake, which keeps each event once', async () => {
    const before = await funnel(engine, FUNNELS[1]!);
    const result = await compact(engine, { data, sealedAfterSeconds: 0.001 });
    expect(result.written).toBe(journeys.truth.length);
    expect(result.read).toBe((await writtenEvents()).length);
    expect(result.duplicates).toBe(result.read - journeys.truth.length);
    const lake = await openEngine();
    try {
      const sources = await openEvents(lake, data);
      expect(sources.freshParts).toEqual([]);
      await usePersons(lake, sources);
      expect(funnelNumbers(await funnel(lake, FUNNELS[1]!))).toEqual(funnelNumbers(before));
      const last = expectedAttribution(journeys.truth, FUNNEL[2], 'last', 30 * 86_400);
      for (const row of await attribution(lake, { conversion: FUNNEL[2], model: 'last', by: 'campaign', lookbackSeconds: 30 * 86_400 })) {
        expect(row.conversions).toBe(last.get(row.key)!.conversions);
      }
    } finally {
      lake.close();
    }
  });
});

describe('warehouse SQL on the same events', () => {
  beforeAll(async () => {
    // The first copy of each event, as the lake and PostgreSQL keep it. (Copies of a re-sent event
    // can differ: a request without the device cookie gets a new device id each time, and
    // ClickHouse's ReplacingMergeTree keeps the last copy. Each sink's own de-dup is its test's.)
    const seen = new Set<string>();
    const events = (await writtenEvents()).filter((e) => !seen.has((e as { messageId: string }).messageId) && seen.add((e as { messageId: string }).messageId));
    clickhouse = await startClickHouse();
    const chSink = createClickHouseSink({ url: clickhouse.url, database: 'default', table: 'touchpoint_events', shape: 'events' });
    for (let i = 0; i < events.length; i += 500) await chSink.write(eventsBatch(events.slice(i, i + 500) as StoredEvent[]));
    postgres = new pg.Client({ connectionString: PG_URL });
    await postgres.connect();
    const pgSink = await createPostgresSink({ url: PG_URL, table: PG_TABLE, shape: 'events' });
    for (let i = 0; i < events.length; i += 500) await pgSink.write(eventsBatch(events.slice(i, i + 500) as StoredEvent[]));
    await pgSink.close();
    // The script's one answer: the links whose ends still disagree after its rounds.
    expect(await runClickHouse(stitchSql('clickhouse', { table: 'touchpoint_events', prefix: 'tp_' }))).toBe('0\n');
    await postgres.query(stitchSql('postgres', { table: PG_TABLE, prefix: PG_PREFIX }));
  }, 120_000);

  afterAll(async () => {
    await clickhouse?.stop();
    await postgres?.query(`DROP TABLE IF EXISTS ${PG_TABLE}, ${PG_PREFIX}persons, ${PG_PREFIX}suspicious`);
    await postgres?.end();
  });

  /** A script as clickhouse-client --multiquery runs it: statement by statement; what the statements answered. */
  async function runClickHouse(script: string): Promise<string> {
    let answers = '';
    for (const statement of script
      .replace(/^--.*$/gm, '')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean))
      answers += await clickhouse.query(statement);
    return answers;
  }
  const clickhouseRows = async (sql: string) =>
    (await clickhouse.query(`${sql} FORMAT JSONEachRow`))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('stitches the same persons with the same ids, in ClickHouse and PostgreSQL', async () => {
    const embedded = await engine.all<{ identifier: string; person_id: string }>('SELECT identifier, person_id FROM persons ORDER BY identifier');
    const fromClickHouse = await clickhouseRows('SELECT identifier, person_id FROM tp_persons ORDER BY identifier');
    expect(fromClickHouse).toEqual(embedded);
    expect((await postgres.query(`SELECT identifier, person_id FROM ${PG_PREFIX}persons ORDER BY identifier COLLATE "C"`)).rows).toEqual(embedded);
    expect(await runClickHouse(`SELECT count() FROM tp_suspicious`)).toBe(`${journeys.suspicious.length}\n`);
  });

  it.each(FUNNELS)('counts the funnel $steps within $windowSeconds s as the embedded engine does', async ({ steps, windowSeconds }) => {
    const embedded = await funnel(engine, { steps, windowSeconds });
    const check = (row: Record<string, unknown>) => {
      steps.forEach((_, i) => expect(Number(row[`p${i + 1}`])).toBe(embedded.steps[i]!.persons));
      steps.slice(1).forEach((_, i) => expect(Number(row[`m${i + 2}`])).toBeCloseTo(embedded.steps[i + 1]!.medianSeconds!, 3));
    };
    check((await clickhouseRows(funnelSql('clickhouse', { table: 'touchpoint_events', prefix: 'tp_', steps, windowSeconds })))[0]!);
    check((await postgres.query(funnelSql('postgres', { table: PG_TABLE, prefix: PG_PREFIX, steps, windowSeconds }))).rows[0]);
  });

  it.each(MODELS)('attributes with the %s model as the embedded engine does', { timeout: 60_000 }, async (model) => {
    const options = { conversion: FUNNEL[2], model, by: 'campaign' as const, lookbackSeconds: 30 * 86_400 };
    const embedded = (await attribution(engine, options)).map((r) => ({ key: r.key, conversions: r.conversions, micros: Math.round(r.revenue * 1e6) }));
    const normalise = (rows: Record<string, unknown>[]) =>
      rows.map((r) => ({ key: String(r.key), conversions: Number(r.conversions), micros: Number(r.micros) })).sort((a, b) => a.key.localeCompare(b.key));
    const want = normalise(embedded);
    for (const got of [
      normalise(await clickhouseRows(attributionSql('clickhouse', { ...options, table: 'touchpoint_events', prefix: 'tp_' }))),
      normalise((await postgres.query(attributionSql('postgres', { ...options, table: PG_TABLE, prefix: PG_PREFIX }))).rows),
    ]) {
      expect(got.map((r) => [r.key, r.micros])).toEqual(want.map((r) => [r.key, r.micros]));
      got.forEach((r, i) => expect(r.conversions).toBeCloseTo(want[i]!.conversions, 9));
    }
  });
});
