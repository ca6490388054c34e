import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from './cli-args';
import { requestOf } from './cli-forget';
import { packageRoot } from './package-root';

// The built `touchpoint` bin, as a user runs it (npm test builds before vitest).
const CLI = join(packageRoot(), 'dist', 'collector', 'cli.js');
const touchpoint = (...args: string[]) => {
  const result = spawnSync(process.execPath, [CLI, 'forget', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

let data: string;
beforeAll(async () => {
  data = await mkdtemp(join(tmpdir(), 'tp-forget-cli-'));
  await mkdir(join(data, 'events', 'date=2026-11-01'), { recursive: true });
  const line = (id: string, user: string, anon: string) =>
    JSON.stringify({
      type: 'track',
      event: 'x',
      messageId: id,
      userId: user,
      anonymousId: anon,
      source: 'web',
      timestamp: '2026-11-01T10:00:00.000Z',
      receivedAt: '2026-11-01T10:00:00.000Z',
      context: {},
    });
  await writeFile(join(data, 'events', 'date=2026-11-01', 'part-000000000001.ndjson'), `${line('m1', 'u1', 'a1')}\n${line('m2', 'u2', 'a2')}\n`);
});
afterAll(() => rm(data, { recursive: true, force: true }));

describe('touchpoint forget arguments', () => {
  it.each([
    [{}, /whom to forget\? give --user ID, --anonymous-id ID or --email ADDRESS/],
    [{ user: '' }, /--user is empty/],
    [{ 'anonymous-id': '   ' }, /--anonymous-id is empty/],
    [{ user: 'u'.repeat(257) }, /--user is 257 characters long; ids and e-mails are at most 256/],
    [{ email: 'not-an-address' }, /--email must be an e-mail address/],
    [{ email: `${'x'.repeat(320)}@example.com` }, /at most 320/],
  ])('refuses %j with one line', (values, message) => {
    expect(() => requestOf(values)).toThrow(UsageError);
    expect(() => requestOf(values)).toThrow(message);
  });

  it('takes any of the three, together', () => {
    expect(requestOf({ user: 'u1', email: 'li@example.com' })).toEqual({ userId: 'u1', email: 'li@example.com' });
  });
});

describe('touchpoint forget', { timeout: 30_000 }, () => {
  it('exits 2 with one line on a bad request or a data folder that does not exist', () => {
    const none = touchpoint('--data', data);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('touchpoint forget: whom to forget? give --user ID, --anonymous-id ID or --email ADDRESS\n');
    const missing = touchpoint('--user', 'u1', '--data', join(data, 'nowhere'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^touchpoint forget: no data folder at .*nowhere/);
    expect(touchpoint('--user', 'u1', '--bogus').code).toBe(2);
  });

  it('prints what it took out, and JSON with --json', async () => {
    const text = touchpoint('--user', 'u1', '--data', data);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('linked ids found: anonymous a1');
    expect(text.stdout).toMatch(/events\s+1 records taken out of 1 file/);
    expect(text.stdout).toContain('suppression list: 2 identifiers added');
    const part = await readFile(join(data, 'events', 'date=2026-11-01', 'part-000000000001.ndjson'), 'utf8');
    expect(part.split('\n')[0]!.trim()).toBe('');
    expect(part.split('\n')[1]).toContain('"u2"');
    const json = JSON.parse(touchpoint('--anonymous-id', 'a2', '--data', data, '--json').stdout) as { removed: { streams: object } };
    expect(json.removed.streams).toEqual({ events: 1 });
    expect(existsSync(join(data, 'audit', 'forget.ndjson'))).toBe(true);
  });

  it('prints the DELETE statements of the SQL sinks in the config, and exits 1 with --apply when the database is down', async () => {
    const config = join(data, 'config.json');
    await writeFile(config, JSON.stringify({ sinks: [{ type: 'postgres', url: 'postgres://postgres@127.0.0.1:1/test', table: 'tp_events' }] }));
    const printed = touchpoint('--user', "o'brien", '--data', data, '--config', config);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain(`DELETE FROM "tp_events" WHERE user_id = ANY(ARRAY['o''brien']::text[]);`);
    const applied = touchpoint('--user', 'u9', '--data', data, '--config', config, '--apply');
    expect(applied.code).toBe(1);
    expect(applied.stderr).toMatch(/^touchpoint forget: cannot reach the postgres sink's database \(.*\): nothing was forgotten\n$/);
  });
});
