import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSourceName } from './keys';
import { freePort } from './free-port.test-support';
import { packageRoot } from './package-root';

// The built executable, as `npm start` runs it (`npm test` builds before it runs vitest).
const SERVER = join(packageRoot(), 'dist', 'collector', 'server.js');

function run(env: Record<string, string>) {
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [SERVER], { env: { PATH: process.env.PATH, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, exited, out: () => stdout, err: () => stderr };
}

let dir: string;
let occupied: Server;
let occupiedPort: number;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tp-exe-'));
  // A read-only file system (permissions would not stop the root the tests run as).
  await mkdir(join(dir, 'readonly'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', join(dir, 'readonly')]);
  occupied = createServer();
  await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
  occupiedPort = (occupied.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => occupied.close(resolve));
  execFileSync('umount', [join(dir, 'readonly')]);
  await rm(dir, { recursive: true, force: true });
});

describe('the collector executable', () => {
  it('refuses a bad setting with a one-line error naming it', async () => {
    const server = run({ PORT: 'eighty' });
    expect(await server.exited).toBe(1);
    expect(server.err().trim()).toBe('touchpoint-collector: PORT must be an integer from 1 to 65535, got "eighty"');
  });

  it.each([
    ['a port in use', () => ({ PORT: String(occupiedPort) }), (port: number) => `port: cannot listen on 127.0.0.1:${port}: the address is already in use`],
    [
      'a missing tracking plan',
      () => ({ TOUCHPOINT_CONFIG: join(dir, 'plan.json') }),
      () => `trackingPlan: cannot read ${join(dir, 'no-plan.json')}: no such file or folder`,
    ],
    [
      'a missing geo database',
      () => ({ TOUCHPOINT_CONFIG: join(dir, 'geo.json') }),
      () => `geo.database: cannot open ${join(dir, 'GeoLite2-City.mmdb')}: no such file or folder`,
    ],
    [
      'an unwritable data folder',
      () => ({ TOUCHPOINT_DATA_DIR: join(dir, 'readonly') }),
      () => `dataDir: cannot keep the data in ${join(dir, 'readonly')}: read-only file system`,
    ],
    [
      'Redis unreachable',
      () => ({ TOUCHPOINT_REDIS_URL: 'redis://:s3cret@127.0.0.1:1/0' }),
      () => 'redis.url: cannot connect to redis://:****@127.0.0.1:1/0: connection refused',
    ],
  ])('names the setting and its value, in one line, when %s stops the start', async (_, env, message) => {
    await writeFile(join(dir, 'plan.json'), JSON.stringify({ trackingPlan: './no-plan.json' }));
    await writeFile(join(dir, 'geo.json'), JSON.stringify({ geo: { database: 'GeoLite2-City.mmdb' } }));
    const server = run({ PORT: String(await freePort()), HOST: '127.0.0.1', TOUCHPOINT_DATA_DIR: join(dir, 'data'), ...env() });
    expect(await server.exited).toBe(1);
    const lines = server.err().trim().split('\n');
    expect(lines).toEqual([`touchpoint-collector: ${message(occupiedPort)}`]);
    expect(server.err()).not.toContain('s3cret');
  });

  it('says at start which version, where, with which sources and sinks; serves; stops gracefully on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tp-exe-'));
    const port = await freePort();
    const server = run({ PORT: String(port), HOST: '127.0.0.1', TOUCHPOINT_DATA_DIR: dataDir, TOUCHPOINT_WRITE_KEYS: 'wk_live_secret_key' });
    try {
      await expect.poll(() => server.out(), { timeout: 10_000 }).toContain('collector started');
      const summary = JSON.parse(
        server
          .out()
          .split('\n')
          .find((l) => l.includes('collector started'))!,
      );
      expect(summary).toMatchObject({
        version: expect.any(String),
        url: `http://127.0.0.1:${port}`,
        dataDir,
        sources: [`${defaultSourceName('wk_live_secret_key')} (browser)`],
        sinks: ['ndjson.events (the data folder)', 'ndjson.failed (the data folder)', 'ndjson.bots (the data folder)'],
        redis: null,
      });
      expect(server.out()).not.toContain('wk_live_secret_key');
      const res = await fetch(`http://127.0.0.1:${port}/v1/page`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from('wk_live_secret_key:').toString('base64')}` },
        body: JSON.stringify({ anonymousId: 'a1', name: 'Home' }),
      });
      expect(res.status).toBe(200);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.out()).toContain('collector stopped');
    } finally {
      server.child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('logs each refused request at debug level, sampled, never its body', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tp-exe-'));
    const port = await freePort();
    const server = run({ PORT: String(port), HOST: '127.0.0.1', TOUCHPOINT_DATA_DIR: dataDir, LOG_LEVEL: 'debug' });
    try {
      await expect.poll(() => server.out(), { timeout: 10_000 }).toContain('collector started');
      const post = (body: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${port}/v1/batch`, { method: 'POST', headers, body });
      await post('{"batch": [{"secret": "li.lei@example.com"}]', { 'x-write-key': 'demo' }); // malformed
      await post('{}', { 'x-write-key': 'nope' }); // unknown key
      await post(JSON.stringify({ batch: [{ type: 'track', anonymousId: 'a', properties: { email: 'li.lei@example.com' } }] }), { 'x-write-key': 'demo' }); // rejected event
      for (let i = 0; i < 50; i++) await post('{', { 'x-write-key': 'demo' });
      await expect.poll(() => server.out(), { timeout: 5000 }).toContain('event rejected');
      const lines = server
        .out()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      expect(lines.find((l) => l.msg === 'request refused' && l.status === 401)).toMatchObject({ level: 20, reason: 'unknown write key', path: '/v1/batch' });
      expect(lines.find((l) => l.msg === 'request refused' && l.status === 400)).toMatchObject({
        reason: 'malformed body: not valid UTF-8 JSON',
        source: 'demo',
      });
      expect(lines.find((l) => l.msg === 'event rejected')).toMatchObject({ source: 'demo', category: 'schema' });
      // A flood is sampled: at most 10 lines a second.
      expect(lines.filter((l) => l.msg === 'request refused').length).toBeLessThan(40);
      expect(server.out()).not.toContain('li.lei@example.com');
    } finally {
      server.child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
