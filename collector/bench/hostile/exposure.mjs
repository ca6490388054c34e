// Cases 6–8: what the collector gives away — raw personal data in the failed stream, CORS answers
// to foreign and `null` origins, operations endpoints and a client-driven metric.
import { join } from 'node:path';
import { startCollector } from './collector-process.mjs';
import { lines, settled } from './data-dir.mjs';
import { runId, trackEvent } from './figures.mjs';
import { send, sendJson } from './http.mjs';

/** 6. An invalid identify (no ids) carrying an e-mail that `pii` hashes and a full IP: what the failed stream keeps. */
export async function failedStreamPii(checkout) {
  const pii = { salt: 'hostile-bench-salt-0001', paths: [{ path: 'traits.email', kind: 'email' }] };
  const collector = await startCollector(checkout, { pii });
  try {
    const email = 'Jane.Doe@Example.com';
    const ip = '203.0.113.45';
    const answer = await sendJson(
      collector.url,
      { batch: [{ type: 'identify', messageId: `${runId()}-pii`, traits: { email }, context: { ip } }] },
      { key: 'demo' },
    );
    const failedDir = join(collector.dataDir, 'failed');
    const count = await settled(() => lines(failedDir).length, { atLeast: 1 });
    const text = lines(failedDir).join('\n');
    const rawEmail = text.includes(email) || text.includes(email.toLowerCase());
    const fullIp = text.includes(ip);
    const says = (found) => (found ? 'yes' : 'no');
    return {
      line: `failed records ${count} (answer ${answer.status || answer.error}); raw e-mail in failed/: ${says(rawEmail)}; full IP in failed/: ${says(fullIp)}`,
      cell: count === 0 ? 'no failed record written' : `raw e-mail ${says(rawEmail)}, full IP ${says(fullIp)}`,
    };
  } finally {
    await collector.stop();
  }
}

/** 7. Device cookie on, a wildcard key and a key for https://shop.example: CORS for `null` and a foreign origin. */
export async function cors(checkout) {
  const wild = { key: 'wk_bench_wild', name: 'wild', allowedOrigins: ['*'] };
  const shop = { key: 'wk_bench_shop', name: 'shop', allowedOrigins: ['https://shop.example'] };
  const collector = await startCollector(checkout, { deviceCookie: {}, writeKeys: [wild, shop] });
  try {
    const run = runId();
    const headersOf = (answer) => {
      const origin = answer.headers['access-control-allow-origin'];
      const credentials = answer.headers['access-control-allow-credentials'];
      return `ACAO ${origin ?? '-'}, ACAC ${credentials ?? '-'}`;
    };
    const post = async (key, origin) => {
      const answer = await sendJson(collector.url, { batch: [trackEvent(`${run}-${key.name}-${origin}`)] }, { key: key.key, headers: { origin } });
      return `POST ${origin} with the ${key.name} key: ${answer.status || answer.error}, ${headersOf(answer)}`;
    };
    const preflight = async (origin) => {
      const answer = await send(collector.url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      return `preflight ${origin}: ${answer.status || answer.error}, ${headersOf(answer)}`;
    };
    const answers = [
      await post(wild, 'null'),
      await post(shop, 'null'),
      await post(shop, 'https://evil.example'),
      await preflight('null'),
      await preflight('https://evil.example'),
    ];
    return {
      line: answers.join('; '),
      cell: answers
        .slice(0, 3)
        .map((a) => a.replace(/^POST /, '').replace(/: \d+,/, ':'))
        .join('; '),
    };
  } finally {
    await collector.stop();
  }
}

/** `touchpoint_sequence_lost_events` as a number, from a Prometheus text. */
const lostEvents = (text) => Number(/^touchpoint_sequence_lost_events(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? NaN);

/** 8. /metrics and /readyz on the public port; one request moving the sequence-loss metric. */
export async function adminEndpoints(checkout) {
  const collector = await startCollector(checkout);
  try {
    const metrics = await send(collector.url, { method: 'GET', path: '/metrics' });
    const readyz = await send(collector.url, { method: 'GET', path: '/readyz' });
    const namesSinks = /sink/i.test(readyz.text);
    // The operator's view: the admin listener where the build has one, else the public /metrics.
    const metricsUrl = collector.adminUrl ?? collector.url;
    const read = async () => lostEvents((await send(metricsUrl, { method: 'GET', path: '/metrics' })).text);
    const before = await read();
    const run = runId();
    const device = `${run}-device`;
    const answer = await sendJson(
      collector.url,
      { batch: [1, 1e15].map((seq, i) => trackEvent(`${run}-${i}`, { anonymousId: device, context: { seq } })) },
      { key: 'demo' },
    );
    const after = await read();
    const where = collector.adminUrl ? 'admin port' : 'public /metrics';
    return {
      line: `public GET /metrics ${metrics.status || metrics.error}; public /readyz ${readyz.status || readyz.error}, names sinks: ${namesSinks ? 'yes' : 'no'}; one request with context.seq 1 then 1e15 (answer ${answer.status || answer.error}) moved touchpoint_sequence_lost_events ${before} → ${after} (read on the ${where})`,
      cell: `/metrics ${metrics.status}, /readyz names sinks: ${namesSinks ? 'yes' : 'no'}; seq loss +${(after - before).toLocaleString('en')}`,
    };
  } finally {
    await collector.stop();
  }
}
