// `npm run bench:analysis`: compact, stitch, funnel and attribution at 1M and 10M events on this
// machine, each beside DuckDB's own floor over the same files (a bare count(*) and a bare
// GROUP BY), and the growth from 1M to 10M. The data is written directly as the collector's NDJSON
// sink writes it — the generator's journeys through the collector's own validation and enrichment
// (`createIngest`), without HTTP — because pushing 10M events through HTTP on 2 cores is not what
// is measured here. The 10M set is the 1M set and nine copies of it with every identifier made
// distinct (new persons, the same behaviour), which keeps the growth a like-for-like ×10 and
// spares an hour of generating. Medians of BENCH_RUNS runs (default 3); the data is deleted after.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnricher } from '../../pipeline/enrich';
import { createIngest } from '../../pipeline/ingest';
import { createScrubber } from '../../pipeline/scrub';
import { attribution } from '../attribution';
import { compact } from '../compact';
import { openEngine, sqlString, type Engine } from '../engine';
import { openEvents, type EventSources } from '../events';
import { funnel } from '../funnel';
import { listLakeFiles, listParts, lakePaths } from '../lake';
import { renderTable } from '../output';
import { DEFAULT_MAX_IDS, saveMapping, stitch, usePersons } from '../stitch';
import { FUNNEL, generateJourneys } from '../testing/journeys';

const BASE = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const SCALE_UP = Number(process.env.BENCH_SCALE_UP ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ROOT = process.env.BENCH_DIR ?? join(tmpdir(), 'tp-bench-analysis');
const PART_BYTES = 128 * 1024 * 1024; // the NDJSON sink's rotateBytes
// The journeys run a few days past their end: compaction is told it is later, so every part is sealed and the commands read the lake only.
const AFTER_THE_DATA = Date.UTC(2027, 0, 1);
// BENCH_KEEP=1 keeps the generated data and reuses it on the next run (while iterating on one step).
const KEEP = process.env.BENCH_KEEP === '1';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
/**
 * Wall-clock seconds, and the CPU seconds of this process (DuckDB's threads included): on a shared
 * machine the wall clock swings with the load, the CPU time much less.
 */
interface Timing {
  wall: number;
  cpu: number;
}
const time = async (work: () => Promise<unknown>): Promise<Timing> => {
  const started = performance.now();
  const cpu = process.cpuUsage();
  await work();
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 };
};
// The machine is shared: each line says how loaded it was (1-minute load average, 2 cores).
const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} load ${loadavg()[0]!.toFixed(1)}  ${message}\n`);

/** Writes about `events` events as the collector's NDJSON sink would: day partitions by receive time, parts of ≤ 128 MiB. */
function generate(data: string, events: number): { events: number; bytes: number } {
  const ingest = createIngest({ enrich: createEnricher({ anonymizeIp: true }), scrub: createScrubber({ anonymizeIp: true }), routeBots: false });
  const end = Date.UTC(2026, 10, 20);
  const parts = new Map<string, { file: string; bytes: number; n: number }>();
  let written = 0;
  let bytes = 0;
  for (let seed = 1; written < events; seed++) {
    const journeys = generateJourneys({ persons: 10_000, seed, end, tabletCustomers: seed === 1 ? 150 : 0 });
    const byDate = new Map<string, string[]>();
    for (const send of journeys.sends) {
      // Sent live: the request arrives a second after its last event.
      const receivedAt = new Date(Math.max(...send.events.map((e) => Date.parse(e.timestamp) - send.skewMs)) + 1000);
      const result = ingest(send.events, {
        receivedAt,
        sentAt: new Date(receivedAt.getTime() + send.skewMs).toISOString(),
        ip: '203.0.113.7',
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
        deviceId: send.deviceCookie,
        source: 'bench',
        bodyBytes: 0,
      });
      const date = receivedAt.toISOString().slice(0, 10);
      const lines = byDate.get(date) ?? byDate.set(date, []).get(date)!;
      for (const event of result.accepted) lines.push(JSON.stringify(event));
      written += result.accepted.length;
    }
    for (const [date, lines] of byDate) {
      let part = parts.get(date);
      if (!part || part.bytes > PART_BYTES) {
        const folder = join(data, 'events', `date=${date}`);
        mkdirSync(folder, { recursive: true });
        const n = (part?.n ?? -1) + 1;
        part = { file: join(folder, `part-${Date.parse(date)}-4242-${n}.ndjson`), bytes: 0, n };
        parts.set(date, part);
      }
      const text = lines.join('\n') + '\n';
      appendFileSync(part.file, text);
      part.bytes += text.length;
      bytes += text.length;
    }
    if (seed % 10 === 0) log(`  generated ${written.toLocaleString('en-US')} events`);
  }
  return { events: written, bytes };
}

const IDENTIFIER = /"(messageId|anonymousId|userId|previousId|email|phone|openid|unionid|id)":"([^"]*)"/g;
const JUNK = new Set(['', 'null', 'undefined', 'anonymous', '0', '-1']);

/** Adds `factor - 1` copies of every part, each with its identifiers suffixed: new persons doing the same. */
function replicate(data: string, parts: readonly string[], factor: number): void {
  for (const path of parts) {
    const text = readFileSync(path, 'utf8');
    for (let copy = 1; copy < factor; copy++) {
      const renamed = text.replace(IDENTIFIER, (match, key: string, value: string) => (JUNK.has(value.toLowerCase()) ? match : `"${key}":"${value}~${copy}"`));
      writeFileSync(
        path.replace(/-(\d+)\.ndjson$/, (_, n: string) => `-${Number(n) + 1000 * copy}.ndjson`),
        renamed,
      );
    }
  }
  log(`  replicated ×${factor} in ${data}`);
}

/** DuckDB's floor over the same files: a bare count(*) and a bare GROUP BY, no JSON beyond what reading needs. */
async function floors(engine: Engine, relation: string, groupBy: string) {
  const count = await time(() => engine.all(`SELECT count(*) FROM ${relation}`));
  const group = await time(() => engine.all(`SELECT ${groupBy}, count(*) FROM ${relation} GROUP BY ${groupBy}`));
  return { count, group };
}

interface Figure {
  step: string;
  scale: number;
  seconds: Timing;
  count: Timing;
  group: Timing;
  note?: string;
}

async function benchScale(data: string, events: number): Promise<Figure[]> {
  const paths = lakePaths(data);
  const parts = await listParts(paths);
  const ndjson = parts.map((p) => p.path);
  log(`${events.toLocaleString('en-US')} events, ${(parts.reduce((sum, p) => sum + p.bytes, 0) / 2 ** 30).toFixed(2)} GiB of NDJSON in ${ndjson.length} parts`);
  const generated = { events };
  const figures: Figure[] = [];
  const measure = async (step: string, open: (engine: Engine) => Promise<void>, work: (engine: Engine) => Promise<unknown>, before?: () => void) => {
    const times: Timing[] = [];
    for (let run = 0; run < RUNS; run++) {
      before?.();
      const engine = await openEngine();
      try {
        await open(engine);
        times.push(await time(() => work(engine)));
      } finally {
        engine.close();
      }
      log(`  ${step} run ${run + 1}: ${times.at(-1)!.wall.toFixed(2)} s (CPU ${times.at(-1)!.cpu.toFixed(2)} s)`);
    }
    return { wall: median(times.map((t) => t.wall)), cpu: median(times.map((t) => t.cpu)) };
  };

  // Compaction, from scratch each run; its floor is reading the NDJSON.
  const ndjsonRelation = `read_json([${ndjson.map(sqlString).join(', ')}], format = 'newline_delimited', columns = {type: 'VARCHAR', event: 'VARCHAR'})`;
  const engine = await openEngine();
  const compactFloor = await floors(engine, ndjsonRelation, 'type');
  engine.close();
  const compactSeconds = await measure(
    'compact',
    async () => {},
    (e) => compact(e, { data, sealedAfterSeconds: 1, now: () => AFTER_THE_DATA }),
    () => rmSync(paths.lake, { recursive: true, force: true }),
  );
  figures.push({
    step: 'compact',
    scale: generated.events,
    seconds: compactSeconds,
    ...compactFloor,
    note: `${Math.round(generated.events / compactSeconds.wall).toLocaleString('en-US')} events/s`,
  });

  // The commands on the compacted lake; their floor is scanning the lake.
  const lakeFiles = await listLakeFiles(paths);
  log(`  lake: ${lakeFiles.length} Parquet files, ${(lakeFiles.reduce((sum, file) => sum + statSync(file).size, 0) / 2 ** 20).toFixed(0)} MiB`);
  const lake = `read_parquet([${lakeFiles.map(sqlString).join(', ')}])`;
  const floorEngine = await openEngine();
  const lakeFloor = await floors(floorEngine, lake, 'anonymous_id');
  floorEngine.close();
  let sources: EventSources | undefined;
  const openLake = async (e: Engine) => {
    sources = await openEvents(e, data);
  };
  const stitchSeconds = await measure('stitch', openLake, async (e) => saveMapping(e, sources!, await stitch(e), DEFAULT_MAX_IDS));
  figures.push({ step: 'stitch', scale: generated.events, seconds: stitchSeconds, ...lakeFloor });
  const withPersons = async (e: Engine) => {
    await openLake(e);
    await usePersons(e, sources!);
  };
  const funnelSeconds = await measure('funnel', withPersons, (e) => funnel(e, { steps: [...FUNNEL], windowSeconds: 7 * 86_400 }));
  figures.push({ step: 'funnel (3 steps, 7d)', scale: generated.events, seconds: funnelSeconds, ...lakeFloor });
  const attributionSeconds = await measure('attribution', withPersons, (e) =>
    attribution(e, { conversion: FUNNEL[2], model: 'position', by: 'campaign', lookbackSeconds: 30 * 86_400 }),
  );
  figures.push({ step: 'attribution (position, 30d)', scale: generated.events, seconds: attributionSeconds, ...lakeFloor });

  if (!KEEP) rmSync(paths.lake, { recursive: true, force: true });
  return figures;
}

const results: Figure[] = [];
const SCALES = [BASE, BASE * SCALE_UP];
try {
  const data = join(ROOT, 'data');
  const kept = join(ROOT, `generated-${BASE}.json`);
  let base: { events: number };
  let replicated = 1;
  if (KEEP && existsSync(kept)) {
    ({ base, replicated } = JSON.parse(readFileSync(kept, 'utf8')) as { base: { events: number }; replicated: number });
    log(`reusing ${base.events.toLocaleString('en-US')} events (×${replicated}) in ${data}`);
  } else {
    rmSync(ROOT, { recursive: true, force: true });
    const free = statfsSync(tmpdir());
    log(`generating ${BASE.toLocaleString('en-US')} events into ${data} (${Math.round((free.bavail * free.bsize) / 2 ** 30)} GiB free)`);
    base = generate(data, BASE);
    writeFileSync(kept, JSON.stringify({ base, replicated }));
  }
  if (replicated === 1) results.push(...(await benchScale(data, base.events)));
  if (SCALE_UP > 1) {
    if (replicated === 1)
      replicate(
        data,
        (await listParts(lakePaths(data))).map((p) => p.path),
        SCALE_UP,
      );
    if (KEEP) writeFileSync(kept, JSON.stringify({ base, replicated: SCALE_UP }));
    results.push(...(await benchScale(data, base.events * SCALE_UP)));
  }
} finally {
  if (!KEEP) rmSync(ROOT, { recursive: true, force: true });
}

const f = (n: number) => n.toFixed(2);
const both = (t: Timing) => `${f(t.wall)} (${f(t.cpu)})`;
process.stdout.write(
  `\nAnalysis on DuckDB, ${RUNS} run(s) each, medians in seconds, wall clock (CPU) (floor = DuckDB's bare count(*) and GROUP BY over the same files)\n\n`,
);
process.stdout.write(
  renderTable({
    columns: ['step', 'events', 'seconds', 'floor count(*)', 'floor GROUP BY', '× GROUP BY floor', 'note'],
    rows: results.map((r) => [
      r.step,
      r.scale,
      both(r.seconds),
      both(r.count),
      both(r.group),
      `${(r.seconds.wall / r.group.wall).toFixed(1)}× (${(r.seconds.cpu / r.group.cpu).toFixed(1)}×)`,
      r.note ?? '',
    ]),
  }),
);
if (SCALES.length > 1) {
  const [small, large] = [SCALES[0]!, SCALES.at(-1)!];
  process.stdout.write(
    `\nGrowth from the first scale to the last (events × ${(results.find((r) => r.scale >= large * 0.99)!.scale / results[0]!.scale).toFixed(1)}):\n`,
  );
  for (const step of new Set(results.map((r) => r.step))) {
    const [a, b] = [results.find((r) => r.step === step && r.scale < small * 1.5)!, results.find((r) => r.step === step && r.scale >= large * 0.99)!];
    if (a && b)
      process.stdout.write(
        `  ${step.padEnd(30)} ${both(a.seconds)} s → ${both(b.seconds)} s  (× ${(b.seconds.wall / a.seconds.wall).toFixed(1)}, CPU × ${(b.seconds.cpu / a.seconds.cpu).toFixed(1)})\n`,
      );
  }
}
