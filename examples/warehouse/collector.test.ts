import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseSettings } from '../../collector/config';

it('the warehouse example is a valid collector configuration', () => {
  const settings = parseSettings(JSON.parse(readFileSync(join(import.meta.dirname, 'collector.json'), 'utf8')));
  expect(settings.sinks.map((s) => s.type)).toEqual(['ndjson', 'clickhouse', 'postgres']);
});
