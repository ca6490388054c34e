// Cases 1–5: what one client can take from the others — slow uploads, a costly body, a batch past
// its rate limit, the pixel route, a forged X-Forwarded-For. Each starts its own collector.
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CLOCK_TICKS, sleep, startCollector } from './collector-process.mjs';
import { lines, records, settled } from './data-dir.mjs';
import { median, ms, runId, tally, trackEvent } from './figures.mjs';
import { jsonOf, openSlowUpload, send, sendJson } from './http.mjs';

const SLOW_UPLOADS = 1100;
const LEGIT_REQUESTS = 50;
/** How long the slow uploads are held from when the last one opened: past the body timeouts a build may have. */
const HOLD_MS = 20_000;
const LIMITED = { key: 'wk_bench_limited', name: 'limited', rateLimit: { eventsPerSecond: 1, burst: 5 } };

/** 1. 1,100 slow unauthenticated uploads from 127.0.0.1 while a client on 127.0.0.2 sends 50 batches. */
export async function slowUploads(checkout) {
  const collector = await startCollector(checkout); // no keys: the demo key
  const uploads = [];
  const run = runId();
  const legitBatch = (id) => sendJson(collector.url, { writeKey: 'demo', batch: [trackEvent(`${run}-${id}`)] }, { localAddress: '127.0.0.2', timeoutMs: 5000 });
  try {
    // The same client first on its own: its normal latency in this run.
    const alone = [];
    for (let i = 0; i < LEGIT_REQUESTS; i++) alone.push(await legitBatch(`alone-${i}`));
    for (let opened = 0; opened < SLOW_UPLOADS; opened += 100) {
      const count = Math.min(100, SLOW_UPLOADS - opened);
      uploads.push(...(await Promise.all(Array.from({ length: count }, () => openSlowUpload(collector.url)))));
    }
    const allOpen = performance.now();
    // Every upload's headers are sent; the server may still be answering them (accepting 1,100
    // connections takes it a while): the line names the slowest legitimate request, often the first.
    await sleep(1000);
    const legit = [];
    const deadline = performance.now() + 60_000;
    for (let i = 0; i < LEGIT_REQUESTS; i++) {
      if (performance.now() > deadline) legit.push({ status: 0, error: 'not sent: 60 s phase over', ms: NaN });
      else legit.push(await legitBatch(i));
    }
    await sleep(Math.max(0, allOpen + HOLD_MS - performance.now()));
    const ok = legit.filter((a) => a.status >= 200 && a.status < 300).length;
    const latencies = legit.map((a) => a.ms).filter(Number.isFinite);
    const slowest = legit.findIndex((a) => a.ms === Math.max(...latencies)) + 1;
    const outcome = (u) =>
      u.status !== undefined ? String(u.status) : u.closed ? (u.error ? `closed (${u.error})` : 'closed without answer') : `no answer in ${HOLD_MS / 1000} s`;
    const answered = new Map();
    for (const u of uploads) if (u.status !== undefined) answered.set(u.status, [...(answered.get(u.status) ?? []), u.answeredMs]);
    const when = [...answered].map(([status, times]) => `${status} after median ${(median(times) / 1000).toFixed(1)} s`).join(', ');
    const legitAnswers = tally(legit.map((a) => a.status || a.error));
    const slowAnswers = tally(uploads.map(outcome));
    return {
      line: `legitimate 2xx ${ok}/${LEGIT_REQUESTS} (${legitAnswers}), latency median ${ms(median(latencies))}, max ${ms(Math.max(...latencies))} (request ${slowest} of ${LEGIT_REQUESTS}; the same client alone, before: ${tally(alone.map((a) => a.status || a.error))}, median ${ms(median(alone.map((a) => a.ms)))}, max ${ms(Math.max(...alone.map((a) => a.ms)))}); the ${SLOW_UPLOADS.toLocaleString('en')} slow uploads: ${slowAnswers}${when ? ` (${when})` : ''}`,
      cell: `2xx ${ok}/${LEGIT_REQUESTS}, median ${ms(median(latencies))}, max ${ms(Math.max(...latencies))}; slow: ${slowAnswers}`,
    };
  } finally {
    for (const u of uploads) u.socket.destroy();
    await collector.stop();
  }
}

/** 2. A gzip body of 500,000 `[`, no key: the collector's CPU per request, less a tiny valid one's. */
export async function nestedBrackets(checkout) {
  const collector = await startCollector(checkout);
  try {
    const brackets = gzipSync(Buffer.alloc(500_000, '['), { level: 9 });
    const bracketRequest = () =>
      send(collector.url, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: brackets, timeoutMs: 30_000 });
    const run = runId();
    let tinyCount = 0;
    const tinyRequest = () => sendJson(collector.url, { batch: [trackEvent(`${run}-${tinyCount++}`)] }, { key: 'demo' });
    // Warm-up: both paths compiled before they are measured.
    for (let i = 0; i < 3; i++) {
      await bracketRequest();
      await tinyRequest();
    }
    const cpuOf = async (one) => {
      await sleep(500);
      const before = collector.cpuMs();
      const answers = [];
      for (let i = 0; i < 20; i++) answers.push(await one());
      await sleep(500); // what the request left to the pumps is counted too
      return { cpu: (collector.cpuMs() - before) / 20, answers };
    };
    const tiny = await cpuOf(tinyRequest);
    const bracket = await cpuOf(bracketRequest);
    const extra = bracket.cpu - tiny.cpu;
    const statuses = tally(bracket.answers.map((a) => a.status || a.error));
    return {
      line: `${brackets.length} B on the wire: ${statuses}; collector CPU ${ms(extra)} per request over a tiny valid one (${ms(bracket.cpu)} − ${ms(tiny.cpu)}, 20 each, /proc ticks of ${ms(1000 / CLOCK_TICKS)}), wall median ${ms(median(bracket.answers.map((a) => a.ms)))}`,
      cell: `${statuses}; ${ms(extra)} CPU per request`,
    };
  } finally {
    await collector.stop();
  }
}

/** 3. A key limited to 1 event/s (burst 5) sends 4 batches of 2,500 events in 10 s. */
export async function batchRateLimit(checkout) {
  const collector = await startCollector(checkout, { writeKeys: [LIMITED] });
  try {
    const run = runId();
    const answers = [];
    for (let b = 0; b < 4; b++) {
      const started = performance.now();
      const batch = Array.from({ length: 2500 }, (_, i) => trackEvent(`${run}-${b}-${i}`));
      answers.push(await sendJson(collector.url, { batch }, { key: LIMITED.key, timeoutMs: 15_000 }));
      await sleep(Math.max(0, 2500 - (performance.now() - started)));
    }
    const stored = await settled(() => lines(join(collector.dataDir, 'events')).length);
    const taken = answers.reduce((sum, a) => sum + (jsonOf(a)?.accepted ?? 0), 0);
    return {
      line: `events stored ${stored.toLocaleString('en')} of 10,000 (answers: ${answers.map((a) => a.status || a.error).join(', ')}; "accepted" in them: ${taken.toLocaleString('en')})`,
      cell: `${stored.toLocaleString('en')} of 10,000 stored (${tally(answers.map((a) => a.status || a.error))})`,
    };
  } finally {
    await collector.stop();
  }
}

/** 4. The limited key, allowed only for https://shop.example: 20 pixels from evil.example and 20 from the shop in 1 s. */
export async function pixel(checkout) {
  const key = { ...LIMITED, allowedOrigins: ['https://shop.example'] };
  const collector = await startCollector(checkout, { writeKeys: [key] });
  try {
    const run = runId();
    const pending = [];
    for (let i = 0; i < 40; i++) {
      const via = i % 2 ? 'shop' : 'evil';
      const data = Buffer.from(JSON.stringify(trackEvent(`${run}-${i}`, { event: 'Email Opened', properties: { via } }))).toString('base64url');
      pending.push(
        send(collector.url, { method: 'GET', path: `/v1/pixel/track?data=${data}&writeKey=${key.key}`, headers: { referer: `https://${via}.example/` } }),
      );
      await sleep(25);
    }
    const answers = await Promise.all(pending);
    await settled(() => lines(join(collector.dataDir, 'events')).length);
    const stored = records(join(collector.dataDir, 'events'));
    const from = (via) => stored.filter((e) => e.properties?.via === via).length;
    return {
      line: `events stored: ${from('evil')} of 20 with Referer https://evil.example/, ${from('shop')} of 20 with the allowed one (answers: ${tally(answers.map((a) => a.status || a.error))})`,
      cell: `evil ${from('evil')}/20, allowed ${from('shop')}/20 stored`,
    };
  } finally {
    await collector.stop();
  }
}

/** 5. trustProxy on, a browser key limited to 1 event/s per client: 10 requests, each with its own made-up leftmost X-Forwarded-For entry. */
export async function forwardedFor(checkout) {
  const key = { key: 'wk_bench_browser', name: 'browser', kind: 'browser', ipRateLimit: { eventsPerSecond: 1, burst: 1 } };
  const collector = await startCollector(checkout, { trustProxy: true, writeKeys: [key] });
  try {
    const run = runId();
    const answers = [];
    for (let i = 1; i <= 10; i++) {
      answers.push(
        await sendJson(collector.url, { batch: [trackEvent(`${run}-${i}`)] }, { key: key.key, headers: { 'x-forwarded-for': `1.1.1.${i}, 198.51.100.7` } }),
      );
    }
    const accepted = answers.filter((a) => a.status === 200 && jsonOf(a)?.accepted === 1).length;
    await settled(() => lines(join(collector.dataDir, 'events')).length, { atLeast: accepted });
    const stored = records(join(collector.dataDir, 'events'));
    const ips = tally(stored.map((e) => e.context?.ip ?? '(none)'));
    return {
      line: `accepted ${accepted} of 10 (answers: ${tally(answers.map((a) => a.status || a.error))}); stored ${stored.length}, context.ip stored: ${ips}`,
      cell: `${accepted}/10 accepted; ip stored: ${ips}`,
    };
  } finally {
    await collector.stop();
  }
}
