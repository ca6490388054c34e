import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root';
import { tempDataFolder, writePart, type Written } from './testing/data-folder';
import { t } from './testing/engine-with';

// The built `touchpoint` bin, as a user runs it (npm test builds before vitest).
const CLI = join(packageRoot(), 'dist', 'collector', 'cli.js');
let data: string;
const touchpoint = (...args: string[]) => {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

beforeAll(async () => {
  data = await tempDataFolder();
  let n = 0;
  const ev = (anon: string, event: string, seconds: number, extra: Partial<Written> = {}): Written => ({
    id: `c${n++}`,
    event,
    at: t(seconds),
    anon,
    ...extra,
  });
  await writePart(data, [
    { id: 'land', type: 'page', name: 'Home', at: t(0), anon: 'a', context: { page: { url: 'https://shop.example/?utm_campaign=spring' } } },
    ev('a', 'Product Viewed', 10),
    ev('a', 'Order Completed', 20, { properties: { revenue: 9.9 } }),
    ev('b', 'Product Viewed', 30),
  ]);
});
afterAll(() => rm(data, { recursive: true, force: true }));

describe('touchpoint CLI', { timeout: 60_000 }, () => {
  it('prints a table, JSON and CSV, with nothing but the result on stdout', () => {
    const table = touchpoint('funnel', '--steps', 'Product Viewed,Order Completed', '--within', '1d', '--data', data);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[2]).toMatch(/^\s+1\s+Product Viewed\s+2\s+100\.0%/);
    const json = touchpoint('funnel', '--steps', 'Product Viewed,Order Completed', '--data', data, '--json');
    expect(JSON.parse(json.stdout)).toEqual({
      steps: [
        { event: 'Product Viewed', persons: 2, conversion: 1, dropOff: 0, medianSeconds: null },
        { event: 'Order Completed', persons: 1, conversion: 0.5, dropOff: 1, medianSeconds: 10 },
      ],
    });
    expect(json.stderr).toBe('');
    const csv = touchpoint('attribution', '--data', data, '--csv');
    expect(csv.stdout).toBe('campaign,conversions,revenue\nspring,1,9.9\n');
    expect(JSON.parse(touchpoint('stitch', '--data', data, '--json').stdout)).toEqual({ persons: 2, identifiers: 2, merged: 0, suspicious: [] });
    expect(JSON.parse(touchpoint('sessions', '--data', data, '--json').stdout).rows).toHaveLength(1);
    expect(JSON.parse(touchpoint('rfm', '--data', data, '--json').stdout).customers).toBe(1);
  });

  it('answers a wrong request with one line and exit code 2', () => {
    const cases: [string[], RegExp][] = [
      [
        ['funnel', '--steps', 'Product Viewed,Order Complete', '--data', data],
        /^touchpoint funnel: unknown event "Order Complete"; did you mean "Order Completed"\?\n$/,
      ],
      [['funnel', '--steps', 'Product Viewed', '--data', data], /^touchpoint funnel: --steps must list 2 to 20 event names/],
      [['funnel', '--steps', 'A,B', '--within', 'a week', '--data', data], /^touchpoint funnel: --within must be a duration/],
      [['funnel', '--steps', 'A,B', '--data', join(data, 'missing')], /^touchpoint funnel: no data folder at .*missing/],
      [['attribution', '--model', 'middle', '--data', data], /^touchpoint attribution: --model must be one of first, last, linear, position/],
      [['funnel', '--stpes', 'A,B'], /^touchpoint funnel: Unknown option '--stpes'/],
      [['sql', '--target', 'mysql', 'funnel'], /^touchpoint sql: --target must be one of clickhouse, postgres/],
      [['sql', '--target', 'postgres', 'stitch', '--table', 'events; DROP TABLE x'], /^touchpoint sql: --table must be a table name/],
      [['frobnicate'], /^touchpoint: unknown command "frobnicate"/],
    ];
    for (const [args, message] of cases) {
      const result = touchpoint(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stdout).toBe('');
    }
  });

  it('lists its commands, and prints the warehouse SQL', () => {
    const help = touchpoint('--help');
    expect(help.code).toBe(0);
    for (const command of ['compact', 'stitch', 'funnel', 'attribution', 'sessions', 'rfm', 'sql']) expect(help.stdout).toContain(command);
    expect(touchpoint().code).toBe(2);
    const clickhouse = touchpoint('sql', '--target', 'clickhouse', 'funnel', '--steps', "Product Viewed,It's done", '--within', '1d');
    expect(clickhouse.code).toBe(0);
    expect(clickhouse.stdout).toContain("event = 'It\\'s done'");
    expect(touchpoint('sql', '--target', 'postgres', 'stitch').stdout).toContain('DO $$');
  });

  it('compacts, and writes the HTML report', () => {
    expect(JSON.parse(touchpoint('compact', '--data', data, '--json', '--sealed-after', '1s').stdout)).toMatchObject({ parts: 1, read: 4, written: 4 });
    const report = join(data, 'report.html');
    expect(touchpoint('funnel', '--steps', 'Product Viewed,Order Completed', '--data', data, '--html', report).code).toBe(0);
    expect(existsSync(report)).toBe(true);
    expect(readFileSync(report, 'utf8')).toContain('Order Completed: 1 (50.0%)');
  });
});
