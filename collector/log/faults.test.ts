import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { pino } from 'pino';
import { Pool } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { createCollector } from '../app';
import { createMemorySink } from '../sinks/memory';
import type { Sink } from '../records/sink';
import { packageRoot } from '../package-root';

// Fault tests: bounded in count and time, loopback only, and they stop by themselves.
const SERVER = join(packageRoot(), 'dist', 'collector', 'server.js');
const logger = pino({ level: 'silent' });
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

const batchOf = (ids: string[]) =>
  JSON.stringify({ batch: ids.map((id) => ({ type: 'track', event: 'Load', anonymousId: `dev-${id.slice(-1)}`, messageId: id })) });

/** Message ids in the NDJSON files, and the files whose last line is unfinished. */
async function ndjsonIds(dir: string): Promise<{ ids: string[]; torn: string[] }> {
  const files = (await readdir(dir, { recursive: true }).catch(() => [] as string[])).filter((f) => f.endsWith('.ndjson'));
  const ids: string[] = [];
  const torn: string[] = [];
  for (const f of files) {
    const text = await readFile(join(dir, f), 'utf8');
    if (text && !text.endsWith('\n')) torn.push(f);
    for (const line of text.split('\n').slice(0, -1)) ids.push(JSON.parse(line).messageId);
  }
  return { ids, torn };
}

describe('crash: kill -9 under load', () => {
  it('loses nothing and writes nothing twice, at the NDJSON files and at PostgreSQL, without Redis', async () => {
    if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` first`);
    const dir = await mkdtemp(join(tmpdir(), 'tp-crash-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const table = `tp_crash_${process.pid}_${Date.now()}`;
    const db = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await db.connect();
    cleanups.push(async () => {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
      await db.end();
    });
    const config = join(dir, 'touchpoint.json');
    await writeFile(config, JSON.stringify({ sinks: [{ type: 'ndjson' }, { type: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test', table }] }));
    const port = 18_769;
    let child: ChildProcess | undefined;
    const startServer = () => {
      child = spawn(process.execPath, [SERVER], {
        env: {
          PATH: process.env.PATH,
          PORT: String(port),
          HOST: '127.0.0.1',
          TOUCHPOINT_DATA_DIR: join(dir, 'data'),
          TOUCHPOINT_CONFIG: config,
          LOG_LEVEL: 'error',
        },
        stdio: 'ignore',
      });
    };
    cleanups.push(async () => child?.kill('SIGKILL'));
    startServer();

    const run = `c${Date.now()}`;
    const ids = Array.from({ length: 10_000 }, (_, i) => `${run}-${i}`);
    const batches = Array.from({ length: ids.length / 20 }, (_, i) => ids.slice(i * 20, i * 20 + 20));
    const KILLS = 5;
    let attempts = 0;
    let kills = 0;
    // The load generator: 8 clients, each retrying its batch until it is acknowledged, as the SDK does.
    const client = new Pool(`http://127.0.0.1:${port}`, { connections: 8 });
    cleanups.push(() => client.close());
    const sendUntilAcknowledged = async (batch: string[]) => {
      for (;;) {
        attempts++;
        const ok = await client
          .request({
            method: 'POST',
            path: '/v1/batch',
            headers: { 'x-write-key': 'demo', 'content-type': 'application/json' },
            body: batchOf(batch),
            headersTimeout: 2000,
            bodyTimeout: 2000,
          })
          .then(
            async (res) => (await res.body.text(), res.statusCode === 200),
            () => false,
          );
        if (ok) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    let next = 0;
    let done = false;
    const worker = async () => {
      while (next < batches.length) await sendUntilAcknowledged(batches[next++]!);
      // All sent before the last kill: go on re-sending batches already acknowledged, as clients
      // do whose acknowledgement was lost, until the collector has been killed often enough.
      while (kills < KILLS) await sendUntilAcknowledged(batches[Math.floor(Math.random() * batches.length)]!);
    };
    const up = async () => {
      while (
        !done &&
        !(await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        ))
      )
        await new Promise((r) => setTimeout(r, 20));
    };
    // Killed 1 to 2.5 s after each start, while the clients send.
    const killer = (async () => {
      while (!done && kills < KILLS) {
        await up();
        await new Promise((r) => setTimeout(r, 1000 + Math.random() * 1500));
        child!.kill('SIGKILL');
        kills++;
        await new Promise((r) => child!.once('exit', r));
        startServer();
      }
    })();
    await Promise.all(Array.from({ length: 8 }, worker));
    done = true;
    await killer;

    const events = join(dir, 'data', 'events');
    await expect
      .poll(async () => Number((await db.query(`SELECT count(*) FROM ${table}`).catch(() => ({ rows: [{ count: 0 }] }))).rows[0].count), { timeout: 30_000 })
      .toBe(ids.length);
    const { ids: landed, torn } = await ndjsonIds(events);
    const unique = new Set(landed);
    const lost = ids.filter((id) => !unique.has(id)).length;
    const { rows } = await db.query(`SELECT count(*) AS n, count(DISTINCT message_id) AS d FROM ${table}`);
    const result = {
      sent: ids.length,
      requests: attempts,
      kills,
      landed: landed.length,
      duplicates: landed.length - unique.size,
      lost,
      postgresRows: Number(rows[0].n),
      postgresDistinct: Number(rows[0].d),
    };
    console.log(`crash test: ${JSON.stringify(result)}`);
    expect(kills).toBe(KILLS);
    expect(result).toMatchObject({ lost: 0, duplicates: 0, landed: ids.length, postgresRows: ids.length, postgresDistinct: ids.length });
    // Lines torn by a kill were cut off when the next process started.
    expect(torn).toEqual([]);
  }, 180_000);
});

/** A TCP proxy the test can cut: refuse new connections and drop open ones, or let them through. */
async function cuttableProxy(target: number) {
  const sockets = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((socket) => {
    if (cut) return socket.destroy();
    const upstream = new Socket();
    upstream.connect(target, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        socket.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      cut = false;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('sink outage: PostgreSQL cut under load', () => {
  it('keeps the NDJSON data written, answers no 503 while the lag is under the mark, and drains after recovery', async () => {
    const proxy = await cuttableProxy(5432);
    cleanups.push(proxy.close);
    const dir = await mkdtemp(join(tmpdir(), 'tp-outage-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const table = `tp_outage_${process.pid}_${Date.now()}`;
    const collector = await createCollector({
      port: 0,
      host: '127.0.0.1',
      dataDir: dir,
      logger,
      log: { sinkTimeoutMs: 1000 },
      sinks: [
        { type: 'ndjson', streams: ['events'] },
        { type: 'postgres', url: `postgres://postgres@127.0.0.1:${proxy.port}/test`, table },
      ],
    });
    const { url } = await collector.start();
    cleanups.push(() => collector.stop());
    const db = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await db.connect();
    cleanups.push(async () => {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
      await db.end();
    });

    const run = `o${Date.now()}`;
    const statuses: Record<number, number> = {};
    let sent = 0;
    const send = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const ids = Array.from({ length: 10 }, (_, j) => `${run}-${sent + j}`);
        sent += ids.length;
        const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'x-write-key': 'demo' }, body: batchOf(ids) });
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    };
    await send(20);
    await expect.poll(async () => Number((await db.query(`SELECT count(*) FROM ${table}`).catch(() => ({ rows: [{ count: 0 }] }))).rows[0].count)).toBe(200);

    proxy.cut();
    await send(50); // under load with PostgreSQL unreachable
    expect((await ndjsonIds(join(dir, 'events'))).ids).toHaveLength(700);
    await expect.poll(() => collector.log.consumers().find((s) => s.name.startsWith('postgres'))!.state, { timeout: 15_000 }).not.toBe('closed');
    expect(Number((await db.query(`SELECT count(*) FROM ${table}`)).rows[0].count)).toBe(200);
    const backlog = collector.log.lagBytes();
    expect(backlog).toBeGreaterThan(0);

    proxy.restore();
    await expect.poll(async () => Number((await db.query(`SELECT count(*) FROM ${table}`)).rows[0].count), { timeout: 40_000 }).toBe(700);
    await expect.poll(() => collector.log.lagBytes(), { timeout: 10_000 }).toBe(0);
    console.log(`outage test: ${JSON.stringify({ sent, statuses, backlogBytesDuringOutage: backlog, postgresRows: 700, ndjsonLines: 700 })}`);
    expect(statuses).toEqual({ 200: 70 });
  }, 90_000);
});

describe('disk full', () => {
  it('answers 503 with Retry-After when the data disk is full, corrupts nothing, and recovers when space returns', async () => {
    const mountPoint = await mkdtemp(join(tmpdir(), 'tp-diskfull-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]);
    cleanups.push(async () => {
      execFileSync('umount', [mountPoint]);
      await rm(mountPoint, { recursive: true, force: true });
    });
    let stalled = true;
    const delivered = createMemorySink();
    const gate: Sink = { write: (batch) => (stalled ? Promise.reject(new Error('not yet')) : delivered.write(batch)), close: async () => {} };
    const collector = await createCollector({
      logger,
      dataDir: mountPoint,
      log: { rotateBytes: 16 * 1024 },
      sinks: { events: gate, failed: createMemorySink(), bots: createMemorySink() },
    });
    cleanups.push(() => collector.stop());

    const acked: string[] = [];
    const refused: string[] = [];
    for (let i = 0; i < 200 && refused.length < 5; i++) {
      const id = `d-${i}`;
      const res = await collector.app.request('/v1/track', {
        method: 'POST',
        headers: { 'x-write-key': 'demo' },
        body: JSON.stringify({ event: 'Fill', anonymousId: 'a', messageId: id, properties: { pad: 'x'.repeat(3000) } }),
      });
      if (res.status === 200) acked.push(id);
      else {
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('5');
        refused.push(id);
      }
    }
    expect(acked.length).toBeGreaterThan(20);
    expect(refused.length).toBe(5);

    stalled = false; // the sink takes the backlog; parts it has read are deleted and space returns
    await expect.poll(() => delivered.events.length, { timeout: 20_000 }).toBe(acked.length);
    for (const id of refused) {
      const retry = await collector.app.request('/v1/track', {
        method: 'POST',
        headers: { 'x-write-key': 'demo' },
        body: JSON.stringify({ event: 'Fill', anonymousId: 'a', messageId: id, properties: { pad: 'x'.repeat(3000) } }),
      });
      expect(retry.status).toBe(200);
    }
    await expect.poll(() => delivered.events.length, { timeout: 10_000 }).toBe(acked.length + refused.length);
    expect(delivered.events.map((e: any) => e.messageId)).toEqual([...acked, ...refused]);
  }, 60_000);
});
