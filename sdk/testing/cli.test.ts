import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../collector/package-root';

// `touchpoint micro` and `touchpoint replay` as a user runs them: the built bin (`npm test` builds first).
const CLI = join(packageRoot(), 'dist', 'collector', 'cli.js');

function touchpoint(...args: string[]) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, exited, out: () => stdout, err: () => stderr };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qa-cli-'));
  await mkdir(join(dir, 'data', 'events', 'date=2025-06-01'), { recursive: true });
  const event = {
    type: 'page',
    messageId: 'm1',
    anonymousId: 'a1',
    timestamp: '2025-06-01T10:00:00.000Z',
    context: { page: { url: 'http://shop.test/' }, session: { id: 'sess-1' } },
  };
  await writeFile(join(dir, 'data', 'events', 'date=2025-06-01', 'part-1-1-0.ndjson'), `${JSON.stringify(event)}\nnot json, a torn line\n`);
  await writeFile(join(dir, 'config.json'), JSON.stringify({ writeKeys: [{ key: 'wk_qa_web', name: 'qa-web' }], trackingPlan: join(dir, 'plan.json') }));
  await writeFile(join(dir, 'plan.json'), JSON.stringify({ allowUnplannedEvents: false, events: { 'Order Completed': {} } }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('touchpoint', () => {
  it('lists its commands; an unknown one is one line and exit 2', async () => {
    const help = touchpoint('--help');
    expect(await help.exited).toBe(0);
    expect(help.out()).toMatch(/micro +a test collector over HTTP/);
    expect(help.out()).toMatch(/replay +replay a recorded session/);
    const unknown = touchpoint('mikro');
    expect(await unknown.exited).toBe(2);
    expect(unknown.err()).toMatch(/^touchpoint: unknown command "mikro" \(commands: [a-z, ]*\bmicro, replay\b[a-z, ]*\)\n$/);
  });

  it.each([
    [['micro', '--port', 'eighty'], 'touchpoint micro: --port must be an integer from 0 to 65535, got "eighty"'],
    [['micro', '--port', '70000'], 'touchpoint micro: --port must be an integer from 0 to 65535, got "70000"'],
    [['micro', '--verbose'], "touchpoint micro: Unknown option '--verbose'"],
    [['micro', '--config', '/nonexistent.json'], 'touchpoint micro: TOUCHPOINT_CONFIG: cannot read /nonexistent.json'],
    [['replay', '--base-url', 'http://shop.test', '--data', 'DATA'], 'touchpoint replay: --session ID is required'],
    [['replay', '--session', 'sess-1', '--data', 'DATA'], 'touchpoint replay: --base-url is required'],
    [
      ['replay', '--session', 'sess-1', '--data', 'DATA', '--base-url', 'file:///etc/passwd'],
      'touchpoint replay: --base-url must be an http(s) URL, got "file:///etc/passwd"',
    ],
    [['replay', '--session', 'nope', '--data', 'DATA', '--base-url', 'http://shop.test'], 'touchpoint replay: no events of session nope in'],
    [['replay', '--session', 'sess-1', '--data', '/nonexistent', '--base-url', 'http://shop.test'], 'touchpoint replay: no events at /nonexistent/events'],
    [
      ['replay', '--session', 'x'.repeat(300), '--data', 'DATA', '--base-url', 'http://shop.test'],
      'touchpoint replay: --session must be at most 256 characters',
    ],
  ])('refuses %j with one line and exit 2', async (args, message) => {
    const cli = touchpoint(...args.map((a) => (a === 'DATA' ? join(dir, 'data') : a)));
    expect(await cli.exited).toBe(2);
    expect(cli.err()).toContain(message);
    expect(cli.err().trim().split('\n')).toHaveLength(1);
  });

  it('replay --list shows the sessions in the data, skipping lines that are not JSON', async () => {
    const list = touchpoint('replay', '--list', '--data', join(dir, 'data'));
    expect(await list.exited).toBe(0);
    expect(list.out()).toBe('sess-1  2025-06-01T10:00:00.000Z     1 events  anon a1  http://shop.test/\n');
  });

  it('micro serves the test collector over HTTP with the config’s keys and plan, and stops on SIGTERM', async () => {
    const micro = touchpoint('micro', '--port', '0', '--config', join(dir, 'config.json'));
    try {
      await expect.poll(() => micro.out(), { timeout: 10_000 }).toMatch(/^touchpoint micro: http:\/\/127\.0\.0\.1:\d+ \(write key "wk_qa_web"\); live view /);
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(micro.out())![0];
      const send = (batch: unknown[]) =>
        fetch(`${url}/v1/batch`, {
          method: 'POST',
          headers: { 'x-write-key': 'wk_qa_web', 'content-type': 'application/json' },
          body: JSON.stringify({ batch }),
        });
      await send([
        { type: 'track', event: 'Order Completed', messageId: 'c1', anonymousId: 'a' },
        { type: 'track', event: 'Not Planned', messageId: 'c2', anonymousId: 'a' },
      ]);
      const { good, bad } = (await (await fetch(`${url}/debug/events`)).json()) as { good: any[]; bad: any[] };
      expect(good.map((e) => e.event)).toEqual(['Order Completed']);
      expect(bad).toEqual([
        expect.objectContaining({ category: 'tracking_plan', source: 'qa-web', reason: 'event: "Not Planned" is not in the tracking plan' }),
      ]);
      expect((await fetch(`${url}/debug`)).status).toBe(200); // the live view, open
    } finally {
      micro.child.kill('SIGTERM');
    }
    expect(await micro.exited).toBe(0);
  });
});
