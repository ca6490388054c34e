// `npm run bench:hostile`: issue 12's hostile cases measured over HTTP against a built collector
// started as a child process, so that the same script measures any checkout:
//
//   node collector/bench/hostile.mjs --build DIR                 one build, one line per case
//   node collector/bench/hostile.mjs --before DIR --after DIR    both, then a before/after table
//   ... --cases 1,2,9                                            only those cases
//
// Loopback only, bounded in time (about two minutes per build); every collector, temp folder,
// table and stream it makes is removed at the end. A measurement, not a test: it asserts nothing.
import { undoAll } from './hostile/cleanup.mjs';
import { serverScript } from './hostile/collector-process.mjs';
import { adminEndpoints, cors, failedStreamPii } from './hostile/exposure.mjs';
import { batchRateLimit, forwardedFor, nestedBrackets, pixel, slowUploads } from './hostile/limits.mjs';
import { poisonedEventsPerSink, sourceIdentity } from './hostile/sinks.mjs';

const CASES = [
  [1, 'slow uploads (1,100 from 127.0.0.1, 50 batches from 127.0.0.2)', slowUploads],
  [2, 'nested brackets (gzip of 500,000 "[", no key)', nestedBrackets],
  [3, 'batch rate limit (1/s, burst 5; 4 × 2,500 events in 10 s)', batchRateLimit],
  [4, 'pixel (limited key, shop.example only; 20 + 20 GETs in 1 s)', pixel],
  [5, 'X-Forwarded-For (trustProxy, 1/s per client, 10 forged leftmost entries)', forwardedFor],
  [6, 'failed-stream PII (invalid identify with e-mail and IP)', failedStreamPii],
  [7, 'CORS (device cookie on; Origin null and evil.example)', cors],
  [8, 'admin endpoints (public /metrics, /readyz; seq 1 then 1e15)', adminEndpoints],
  [9, 'poisoned events per sink (after 20 s)', poisonedEventsPerSink],
  [10, 'source identity (keys web and app, same messageId)', sourceIdentity],
];
/** Past this, the bench stops whatever it is doing: a case that hangs must not leave processes behind. */
const WATCHDOG_MS = 15 * 60_000;

function parseArgs(argv) {
  const options = { builds: [] };
  for (let i = 0; i < argv.length; i++) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (!value || value.startsWith('--')) throw new Error(`${name} needs a value`);
    i++;
    if (name === '--build') options.builds.push({ label: 'build', dir: value });
    else if (name === '--before') options.builds.push({ label: 'before', dir: value });
    else if (name === '--after') options.builds.push({ label: 'after', dir: value });
    else if (name === '--cases') options.cases = new Set(value.split(',').map(Number));
    else throw new Error(`unknown option ${name}`);
  }
  if (options.builds.length === 0) options.builds.push({ label: 'build', dir: '.' });
  return options;
}

let options;
try {
  options = parseArgs(process.argv.slice(2));
  for (const { dir } of options.builds) serverScript(dir);
} catch (error) {
  console.error(`bench:hostile: ${error.message}\nusage: node collector/bench/hostile.mjs [--build DIR | --before DIR --after DIR] [--cases 1,2,...]`);
  process.exit(2);
}

const stopNow = async (why) => {
  console.error(`bench:hostile: ${why}; removing the processes, folders, tables and streams it made`);
  await undoAll();
  process.exit(1);
};
process.on('SIGINT', () => stopNow('interrupted'));
process.on('SIGTERM', () => stopNow('terminated'));
setTimeout(() => stopNow(`still running after ${WATCHDOG_MS / 60_000} min`), WATCHDOG_MS).unref();

const cases = CASES.filter(([n]) => !options.cases || options.cases.has(n));
/** results[build label] = Map of row label → cell */
const results = {};
for (const build of options.builds) {
  console.log(`\n## ${build.label}: ${build.dir}\n`);
  const cells = (results[build.label] = new Map());
  for (const [n, title, measure] of cases) {
    const started = performance.now();
    let rows;
    try {
      const outcome = await measure(build.dir);
      rows = Array.isArray(outcome) ? outcome : [outcome];
    } catch (error) {
      rows = [{ line: `could not be measured: ${error.message}`, cell: `not measured: ${error.message.slice(0, 80)}` }];
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    for (const row of rows) {
      const label = `${n}. ${title}${row.label ? ` — ${row.label}` : ''}`;
      console.log(`[${build.label}] ${label}: ${row.line}${row === rows.at(-1) ? ` (${seconds} s)` : ''}`);
      cells.set(label, row.cell);
    }
  }
}

if (options.builds.length > 1) {
  const labels = options.builds.map((b) => b.label);
  const rowLabels = [...new Set(Object.values(results).flatMap((cells) => [...cells.keys()]))];
  console.log(`\n| case | ${labels.join(' | ')} |`);
  console.log(`| --- | ${labels.map(() => '---').join(' | ')} |`);
  for (const label of rowLabels) console.log(`| ${label} | ${labels.map((l) => (results[l].get(label) ?? '-').replaceAll('|', '\\|')).join(' | ')} |`);
}
