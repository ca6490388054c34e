import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { packageRoot } from '../package-root';
import { loadConfig } from './load';
import { collectorSettingsSchema, sinkConfigSchema } from './schema';

// The README's "every option" example is what people copy: it must load as it is, and name every
// option the schema has.
const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
const example = /The file, with every option[^\n]*\n\n```jsonc\n([\s\S]*?)\n```/.exec(readme)?.[1];

type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; in?: z.ZodType; element?: z.ZodType; options?: z.ZodType[] };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Every option's dotted path in a schema (arrays of objects as `key[]`). */
function optionPaths(schema: z.ZodType, prefix = ''): string[] {
  const def = defOf(schema);
  if (['optional', 'default', 'prefault', 'nullable'].includes(def.type)) return optionPaths(def.innerType!, prefix);
  if (def.type === 'pipe') return optionPaths(def.in!, prefix);
  if (def.type === 'array') return optionPaths(def.element!, `${prefix}[]`);
  if (def.type !== 'object') return [];
  return Object.entries(def.shape!).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...optionPaths(value, path)];
  });
}

/** The same paths, of a parsed example value. */
function valuePaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => valuePaths(item, `${prefix}[]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...valuePaths(item, path)];
  });
}

describe("the README's configuration", () => {
  it('has an every-option example that loads as it is written', async () => {
    expect(example).toBeDefined();
    const dir = await mkdtemp(join(tmpdir(), 'tp-readme-'));
    try {
      const file = join(dir, 'touchpoint.json');
      await writeFile(file, example!);
      const config = loadConfig({ TOUCHPOINT_CONFIG: file });
      // Relative paths are the file's folder's.
      expect(config.dataDir).toBe(join(dir, 'data'));
      expect(config.trackingPlan).toBe(join(dir, 'tracking-plan.json'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names every option of the schema in that example, and every sink option in the sinks table', () => {
    const shown = new Set(valuePaths(parse(example!)));
    const sinkOptions = new Set(defOf(sinkConfigSchema).options!.flatMap((o) => optionPaths(o)));
    const missing = optionPaths(collectorSettingsSchema).filter((path) => !path.startsWith('sinks[].') && !shown.has(path));
    expect(missing).toEqual([]);
    const table = readme.slice(readme.indexOf('| `type` | options (defaults) |'));
    const undocumented = [...sinkOptions].filter((option) => !['type', 'name', 'streams'].includes(option) && !table.includes(`\`${option}\``));
    expect(undocumented).toEqual([]);
  });
});
