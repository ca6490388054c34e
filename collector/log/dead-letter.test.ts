import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector } from '../app';
import { packageRoot } from '../package-root';

// A webhook that refuses events it does not take yet (a 400 per batch holding one), then, once its
// owner has fixed it, takes them: what the operator replays with `touchpoint deadletter --replay`.
const CLI = join(packageRoot(), 'dist', 'collector', 'cli.js');
let server: Server;
let url: string;
let strict = true;
const received: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const events = body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { messageId: string; event: string });
      if (strict && events.some((e) => e.event === 'Unknown To The Webhook')) return void res.writeHead(400).end('unknown event');
      received.push(...events.map((e) => e.messageId));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const cli = (args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)(process.execPath, [CLI, 'deadletter', ...args], { env: { ...process.env, ...env } }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout + error.stderr }),
  );

describe('dead letters', () => {
  it('are listed by sink and reason, and replayed into the sink once it takes them', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tp-deadletter-'));
    const config = join(dataDir, 'touchpoint.json');
    const sinks = [{ type: 'ndjson' as const }, { type: 'http' as const, name: 'hook', url, format: 'ndjson' as const }];
    await writeFile(config, JSON.stringify({ dataDir, sinks }));
    try {
      const collector = await createCollector({ dataDir, logger: pino({ level: 'silent' }), sinks, log: { ack: 'sinks' } });
      const events = ['Order Completed', 'Unknown To The Webhook', 'Product Viewed', 'Unknown To The Webhook'].map((event, i) => ({
        type: 'track',
        event,
        anonymousId: 'a',
        messageId: `dl-${i}`,
      }));
      const res = await collector.app.request('/v1/batch', { method: 'POST', headers: { 'x-write-key': 'demo' }, body: JSON.stringify({ batch: events }) });
      expect(res.status).toBe(200);
      expect(received.sort()).toEqual(['dl-0', 'dl-2']);
      await collector.stop();

      const listed = await cli(['--data', dataDir, '--json']);
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout)).toMatchObject({
        sinks: [{ sink: 'hook.events', records: 2, reasons: [{ reason: 'webhook answered 400: unknown event', records: 2 }] }],
      });

      strict = false; // the webhook's owner deployed the fix
      const replayed = await cli(['--replay', 'hook.events', '--config', config]);
      expect(replayed).toEqual({ code: 0, stdout: 'hook.events: 2 records written, 0 refused again (set aside anew), from 1 files\n' });
      expect(received.sort()).toEqual(['dl-0', 'dl-1', 'dl-2', 'dl-3']);
      expect((await cli(['--data', dataDir])).stdout).toMatch(/^no dead letters/);
      expect((await readdir(join(dataDir, 'deadletter', 'hook.events'), { recursive: true })).some((f) => f.endsWith('.replayed'))).toBe(true);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('answer a wrong sink name or argument with one line and exit code 2', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tp-deadletter-'));
    try {
      expect(await cli(['--replay', 'nope.events', '--data', dataDir])).toEqual({
        code: 2,
        stdout: 'touchpoint deadletter: no sink "nope.events" in the config (sinks: none but the data folder)\n',
      });
      expect((await cli(['--bogus'])).code).toBe(2);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
