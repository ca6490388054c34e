import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { freePort } from './free-port.test-support';
import { packageRoot } from './package-root';

// Two collector processes sharing de-dup and rate limits through the real Redis on 127.0.0.1:6379,
// both writing to the real NATS JetStream on 127.0.0.1:4222 (and each to its own NDJSON folder).
const SERVER = join(packageRoot(), 'dist', 'collector', 'server.js');
const run = `s${process.pid}x${Date.now()}`;
const natsStream = `TP_${run}`;
const key = `shared-${run}`;
let ports: number[];
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` first`);
  ports = [await freePort(), await freePort()];
  dir = await mkdtemp(join(tmpdir(), 'tp-scale-'));
  const config = join(dir, 'touchpoint.json');
  await writeFile(
    config,
    JSON.stringify({
      host: '127.0.0.1',
      logLevel: 'warn',
      redis: { url: 'redis://127.0.0.1:6379' },
      sinks: [
        { type: 'ndjson', streams: ['events'] },
        { type: 'nats', servers: '127.0.0.1:4222', stream: natsStream, subjectPrefix: run },
      ],
      writeKeys: [
        { key, kind: 'server' },
        { key: `${key}-limited`, kind: 'server', rateLimit: { eventsPerSecond: 0.1, burst: 10 } },
      ],
    }),
  );
  for (const [i, port] of ports.entries()) {
    const child = spawn(process.execPath, [SERVER], {
      env: { PATH: process.env.PATH, TOUCHPOINT_CONFIG: config, PORT: String(port), TOUCHPOINT_DATA_DIR: join(dir, `data-${i}`) },
      stdio: 'ignore',
    });
    children.push(child);
  }
  for (const port of ports) {
    const deadline = Date.now() + 10_000;
    while (
      (await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status,
        () => 0,
      )) !== 200
    ) {
      if (Date.now() > deadline) throw new Error(`collector on ${port} did not become ready`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
});

afterAll(async () => {
  const nc = await connect({ servers: '127.0.0.1:4222' });
  await (await jetstreamManager(nc)).streams.delete(natsStream).catch(() => {});
  await nc.close();
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve)))));
  await rm(dir, { recursive: true, force: true });
});

const send = (port: number, writeKey: string, ids: string[]) =>
  fetch(`http://127.0.0.1:${port}/v1/batch`, {
    method: 'POST',
    headers: { 'x-write-key': writeKey, 'content-type': 'application/json' },
    body: JSON.stringify({ batch: ids.map((id) => ({ type: 'track', event: 'Shared', anonymousId: 'a', messageId: id })) }),
  });

/**
 * Sends until the batch is answered 200, as clients do: a batch racing the same events in the
 * other process is told 503 (they are being written there) and comes back.
 */
async function sendUntilAnswered(port: number, writeKey: string, ids: string[]): Promise<{ accepted: number; duplicates: number }> {
  for (;;) {
    const res = await send(port, writeKey, ids);
    if (res.status === 200) return res.json();
    expect(res.status).toBe(503);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function landedIds(): Promise<string[]> {
  const ids: string[] = [];
  for (const i of ports.keys()) {
    const root = join(dir, `data-${i}`, 'events');
    const files = await readdir(root, { recursive: true }).catch(() => [] as string[]);
    for (const f of files.filter((f) => f.endsWith('.ndjson'))) {
      for (const line of (await readFile(join(root, f), 'utf8')).split('\n').filter(Boolean)) ids.push(JSON.parse(line).messageId);
    }
  }
  return ids;
}

describe('two collectors behind one load balancer', () => {
  it('write each event once when it is sent to both, in parallel and again', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `${run}-${i}`);
    const chunks = Array.from({ length: 10 }, (_, i) => ids.slice(i * 20, i * 20 + 20));
    // Every chunk goes to both processes at the same time, then once more to each.
    const first = await Promise.all(chunks.flatMap((chunk) => ports.map((port) => sendUntilAnswered(port, key, chunk))));
    const again = await Promise.all(chunks.map((chunk, i) => sendUntilAnswered(ports[i % 2]!, key, chunk)));
    const accepted = [...first, ...again].reduce((n, body) => n + body.accepted, 0);
    const duplicates = [...first, ...again].reduce((n, body) => n + body.duplicates, 0);
    expect(accepted).toBe(200);
    expect(duplicates).toBe(400);
    await expect.poll(async () => (await landedIds()).length).toBe(200);
    expect((await landedIds()).sort()).toEqual([...ids].sort());
    // And exactly once in the stream both processes publish to.
    const nc = await connect({ servers: '127.0.0.1:4222' });
    try {
      const jsm = await jetstreamManager(nc);
      await expect.poll(async () => (await jsm.streams.info(natsStream)).state.messages, { timeout: 10_000 }).toBe(200);
      const subjects = new Set<string>();
      for (let seq = 1; seq <= 200; seq += 37) subjects.add((await jsm.streams.getMessage(natsStream, { seq }))!.subject);
      expect([...subjects]).toEqual([`${run}.events.track`]);
    } finally {
      await nc.close();
    }
  });

  it('share one rate limit: what one process spent, the other cannot', async () => {
    const a = await send(
      ports[0]!,
      `${key}-limited`,
      Array.from({ length: 8 }, (_, i) => `${run}-rl-a${i}`),
    );
    const b = await send(
      ports[1]!,
      `${key}-limited`,
      Array.from({ length: 8 }, (_, i) => `${run}-rl-b${i}`),
    );
    expect(a.status).toBe(200);
    expect(b.status).toBe(429);
    expect(Number(b.headers.get('retry-after'))).toBeGreaterThan(10);
  });
});
