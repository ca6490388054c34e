// Cases 9–10: what one event, or two sources, can do to the sinks — poisoned events in one batch
// with good ones, and two write keys using the same message id. The stores are read directly.
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { atInterrupt } from './cleanup.mjs';
import { sleep, startCollector } from './collector-process.mjs';
import { records, settled } from './data-dir.mjs';
import { runId, tally, trackEvent } from './figures.mjs';
import { jsonOf, send, sendJson } from './http.mjs';
import { MYSQL_URL, NATS_SERVERS, openMysql, openNats, openPostgres, POSTGRES_URL, startClickHouse } from './stores.mjs';

const WAIT_MS = 20_000;

/** The events that one store or another cannot hold as they are, by what is wrong with them. */
function poisonedEvents(run) {
  return {
    'NUL in a property': trackEvent(`${run}-nul-prop`, { properties: { note: 'a\u0000b' } }),
    'NUL in the event name': trackEvent(`${run}-nul-name`, { event: 'Bad\u0000Name' }),
    'lone surrogate in a property': trackEvent(`${run}-sur-prop`, { properties: { note: 'x\ud800y' } }),
    'lone surrogate in anonymousId': trackEvent(`${run}-sur-anon`, { anonymousId: 'anon-\ud800' }),
    'timestamp 0000-01-01': trackEvent(`${run}-year0`, { timestamp: '0000-01-01T00:00:00.000Z' }),
    'event of 4 KB': trackEvent(`${run}-big`, { properties: { blob: 'x'.repeat(4096) } }),
  };
}

/** Opens what can be opened; a store that cannot be had is left out and said so. */
async function openStores(run, { postgres = true, mysql = true, nats = true, clickhouse = true }) {
  const table = `hostile_bench_${run}`;
  const opened = {
    table,
    pg: postgres ? await openPostgres() : undefined,
    mariadb: mysql ? await openMysql() : undefined,
    nats: nats
      ? await openNats(`HOSTILE_BENCH_${run}`, `hostilebench_${run}`, { maxMessageBytes: 2048 }).catch((error) => ({ why: `NATS: ${error.message}` }))
      : undefined,
    clickhouse: clickhouse ? await startClickHouse().catch((error) => ({ why: `ClickHouse: ${error.message}` })) : undefined,
  };
  const missing = Object.entries(opened)
    .filter(([, store]) => store?.why)
    .map(([name, store]) => `${name} left out: ${store.why}`);
  for (const name of ['pg', 'mariadb', 'nats', 'clickhouse']) if (opened[name]?.why) opened[name] = undefined;
  const sinks = [
    { type: 'ndjson', name: 'ndjson' },
    opened.pg && { type: 'postgres', name: 'pg', url: POSTGRES_URL, table, streams: ['events'] },
    opened.mariadb && { type: 'mysql', name: 'mariadb', url: MYSQL_URL, table, streams: ['events'] },
    opened.nats && {
      type: 'nats',
      name: 'nats',
      servers: NATS_SERVERS,
      stream: `HOSTILE_BENCH_${run}`,
      subjectPrefix: `hostilebench_${run}`,
      streams: ['events'],
    },
    opened.clickhouse && { type: 'clickhouse', name: 'clickhouse', url: opened.clickhouse.url, table, streams: ['events'] },
  ].filter(Boolean);
  const forget = atInterrupt(close);
  async function close() {
    forget();
    await opened.pg?.drop(table).catch(() => {});
    await opened.mariadb?.drop(table).catch(() => {});
    await Promise.all(['pg', 'mariadb', 'nats', 'clickhouse'].map((name) => opened[name]?.close().catch(() => {})));
  }
  return { ...opened, sinks, missing, close };
}

/** What MariaDB holds that is not what was sent: `id (column, ...)`. */
function mangled(rows, sent) {
  const out = [];
  for (const row of rows) {
    const event = sent.get(row.message_id);
    if (!event) continue;
    let properties;
    try {
      properties = typeof row.properties === 'string' ? JSON.parse(row.properties) : row.properties;
    } catch {
      properties = row.properties; // not JSON any more: differs below
    }
    const differs = [
      row.anonymous_id !== event.anonymousId && 'anonymous_id',
      row.event !== event.event && 'event',
      row.ts !== event.timestamp.replace('T', ' ').slice(0, 23) && 'timestamp',
      !isDeepStrictEqual(properties, event.properties) && 'properties',
    ].filter(Boolean);
    if (differs.length) out.push(`${row.message_id.replace(/^\w+-/, '')} (${differs.join(', ')})`);
  }
  return out;
}

/**
 * 9. One batch of 10 good events and 6 poisoned ones, 10 more good events 3 s later; after 20 s,
 * per sink: the good ones stored, whether the later ones got through, where the poisoned went.
 */
export async function poisonedEventsPerSink(checkout) {
  const run = runId();
  const stores = await openStores(run, {});
  let collector;
  try {
    collector = await startCollector(checkout, { sinks: stores.sinks });
    const poisoned = poisonedEvents(run);
    const first = Array.from({ length: 10 }, (_, i) => trackEvent(`${run}-good-${i}`, { properties: { i } }));
    const later = Array.from({ length: 10 }, (_, i) => trackEvent(`${run}-later-${i}`, { properties: { i } }));
    const sent = new Map([...first, ...Object.values(poisoned), ...later].map((e) => [e.messageId, e]));
    const batch = first.flatMap((event, i) => [event, Object.values(poisoned)[i]].filter(Boolean));
    const started = performance.now();
    const answers = [await sendJson(collector.url, { batch }, { key: 'demo' })];
    await sleep(3000);
    answers.push(await sendJson(collector.url, { batch: later }, { key: 'demo' }));
    await sleep(Math.max(0, started + WAIT_MS - performance.now()));

    const readyz = await send(collector.url, { method: 'GET', path: '/readyz' });
    const checks = jsonOf(await send(collector.adminUrl ?? collector.url, { method: 'GET', path: '/readyz' }))?.checks ?? {};
    const failed = records(join(collector.dataDir, 'failed'));
    const deadLetters = records(join(collector.dataDir, 'deadletter'));
    const stored = {
      ndjson: records(join(collector.dataDir, 'events')).map((e) => e.messageId),
      pg: stores.pg && (await stores.pg.rows(stores.table).catch(() => [])).map((r) => r.message_id),
      mariadb: stores.mariadb && (await stores.mariadb.rows(stores.table).catch(() => [])),
      nats: stores.nats && (await stores.nats.messages()).map((e) => e.messageId),
      clickhouse: stores.clickhouse && (await stores.clickhouse.messageIds(stores.table)),
    };
    const rejected = Object.entries(poisoned)
      .filter(([, e]) => failed.some((f) => f.event?.messageId === e.messageId))
      .map(([what]) => what);
    const rows = [
      {
        label: 'requests',
        line: `answers ${answers.map((a) => a.status || a.error).join(', ')}; public /readyz after 20 s: ${readyz.status || readyz.error}; poisoned events refused at validation (failed stream): ${rejected.join(', ') || 'none'}${stores.missing.length ? `; ${stores.missing.join('; ')}` : ''}`,
        cell: `/readyz ${readyz.status || readyz.error}; refused at validation: ${rejected.length}/6`,
      },
    ];
    for (const sink of ['ndjson', 'pg', 'mariadb', 'nats', 'clickhouse']) {
      if (!stored[sink]) continue;
      const ids = new Set(sink === 'mariadb' ? stored[sink].map((r) => r.message_id) : stored[sink]);
      const good = first.filter((e) => ids.has(e.messageId)).length;
      const late = later.filter((e) => ids.has(e.messageId)).length;
      const mine = deadLetters.filter((d) => d.sink?.startsWith(`${sink}.`));
      const kept = Object.entries(poisoned)
        .filter(([, e]) => ids.has(e.messageId))
        .map(([what]) => what);
      const setAside = mine.map((d) => Object.entries(poisoned).find(([, e]) => e.messageId === d.event?.messageId)?.[0] ?? 'a good event');
      // Neither in the store nor set aside nor refused at validation: silently gone.
      const lost = Object.entries(poisoned)
        .filter(([what, e]) => !ids.has(e.messageId) && !setAside.includes(what) && !rejected.includes(what))
        .map(([what]) => what);
      const check = checks[`sink:${sink}.events`] ?? '?';
      const spoilt = sink === 'mariadb' ? mangled(stored.mariadb, sent) : [];
      rows.push({
        label: sink,
        line:
          `good ${good}/10 + later ${late}/10 (${late === 10 ? 'not blocked' : late === 0 ? 'blocked' : 'partly'}); readyz check "${check}"; ` +
          `poisoned stored: ${kept.join(', ') || 'none'}; dead-letter lines ${mine.length}${mine.length ? ` (${setAside.join(', ')}; reasons: ${tally(mine.map((d) => String(d.reason).slice(0, 120)))})` : ''}; poisoned lost: ${lost.join(', ') || 'none'}` +
          (sink === 'mariadb' ? `; mangled rows: ${spoilt.join(', ') || 'none'}` : ''),
        cell:
          `good ${good + late}/20, later ${late === 10 ? 'arrived' : late === 0 ? 'blocked' : `${late}/10`}, readyz "${check}"` +
          (sink === 'ndjson' ? '' : `; poisoned stored ${kept.length}, dead-letter ${mine.length}, lost ${lost.length}`) +
          (sink === 'mariadb' ? `; mangled ${spoilt.length}` : ''),
      });
    }
    return rows;
  } finally {
    await collector?.stop();
    await stores.close();
  }
}

/** 10. Keys `web` and `app` each send an event with the same message id: how many are stored. */
export async function sourceIdentity(checkout) {
  const run = runId();
  const stores = await openStores(run, { mysql: false, nats: false, clickhouse: false });
  let collector;
  try {
    const writeKeys = [
      { key: 'wk_bench_web', name: 'web' },
      { key: 'wk_bench_app', name: 'app' },
    ];
    collector = await startCollector(checkout, { writeKeys, sinks: stores.sinks });
    const id = `${run}-shared`;
    const answers = [];
    for (const { key, name } of writeKeys) answers.push(await sendJson(collector.url, { batch: [trackEvent(id, { properties: { from: name } })] }, { key }));
    const inNdjson = await settled(() => records(join(collector.dataDir, 'events')).filter((e) => e.messageId === id).length, { atLeast: 2, maxMs: 5000 });
    const pgRows = async () => (await stores.pg.rows(stores.table).catch(() => [])).filter((r) => r.message_id === id).length;
    let inPostgres = stores.pg ? await pgRows() : undefined;
    for (let waited = 0; stores.pg && inPostgres < 2 && waited < 5000; waited += 250) {
      await sleep(250);
      inPostgres = await pgRows();
    }
    return {
      line: `answers ${answers.map((a) => `${a.status} accepted ${jsonOf(a)?.accepted ?? '?'} duplicates ${jsonOf(a)?.duplicates ?? '?'}`).join('; ')}; stored of the 2: NDJSON ${inNdjson}, PostgreSQL ${inPostgres ?? `left out (${stores.missing.join('; ')})`}`,
      cell: `NDJSON ${inNdjson}/2, PostgreSQL ${inPostgres ?? '-'}/2`,
    };
  } finally {
    await collector?.stop();
    await stores.close();
  }
}
