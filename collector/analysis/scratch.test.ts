import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { it } from 'vitest';
import { request } from 'undici';
import { createClickHouseSink } from '../sinks/clickhouse';
import { createPostgresSink } from '../sinks/postgres';
import { generateJourneys } from './testing/journeys';
import { sendThroughCollector } from './testing/through-collector';
import { attributionSql, stitchSql } from './warehouse';

const data = '/tmp/tp-scratch';
const url = 'http://127.0.0.1:18933';
const q = async (sql: string) => { const r = await request(`${url}/`, { method: 'POST', body: sql }); const t = await r.body.text(); if (r.statusCode !== 200) throw new Error(t); return t; };
it('scratch', async () => {
  if (!existsSync(data)) {
    await sendThroughCollector(generateJourneys({ persons: 400, seed: 7, end: Date.UTC(2026, 10, 20), tabletCustomers: 120 }), data);
    const events: object[] = []; const seen = new Set();
    for (const f of await readdir(join(data, 'events'))) for (const p of await readdir(join(data, 'events', f))) for (const l of (await readFile(join(data, 'events', f, p), 'utf8')).split('\n')) if (l) { const e = JSON.parse(l); if (!seen.has(e.messageId)) { seen.add(e.messageId); events.push(e); } }
    const ch = createClickHouseSink({ url, database: 'default', table: 'scratch_events', shape: 'events' });
    await ch.write(events);
    const pgs = await createPostgresSink({ url: 'postgres://postgres@127.0.0.1:5432/test', table: 'analysis_scratch', shape: 'events' });
    await pgs.write(events); await pgs.close();
    for (const st of stitchSql('clickhouse', { table: 'scratch_events', prefix: 'scratch_' }).replace(/^--.*$/gm, '').split(';').map((s) => s.trim()).filter(Boolean)) await q(st);
    const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' }); await c.connect();
    await c.query(stitchSql('postgres', { table: 'analysis_scratch', prefix: 'analysis_scratch_' })); await c.end();
  }
  const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' }); await c.connect();
  for (const model of ['first', 'last', 'linear', 'position'] as const) {
    const o = { conversion: 'Order Completed', model, by: 'campaign' as const, lookbackSeconds: 30 * 86400 };
    let t = Date.now();
    const a = await q(attributionSql('clickhouse', { ...o, table: 'scratch_events', prefix: 'scratch_' }));
    console.log(model, 'ch', Date.now() - t, a.split('\n').length);
    t = Date.now();
    const b = await c.query(attributionSql('postgres', { ...o, table: 'analysis_scratch', prefix: 'analysis_scratch_' }));
    console.log(model, 'pg', Date.now() - t, b.rows.length);
  }
  await c.end();
}, 300000);
