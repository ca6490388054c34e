// The README's folder table is the map a new engineer reads first: it must name every folder of the
// SDK and the collector, and nothing that is gone.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('.', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const table = readme.slice(readme.indexOf('| folder | what is there |'), readme.indexOf('\n## SDK'));
const rows = new Map(
  table
    .split('\n')
    .map((line) => /^\| `([^`]+)\/` \| (.*) \|$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!]),
);
// What the build and npm make in the packages' folders: not source, not in git.
const BUILT = new Set(['node_modules', 'dist']);
const folders = (dir: string) =>
  readdirSync(join(root, dir)).filter((name) => !BUILT.has(name) && !name.startsWith('.') && statSync(join(root, dir, name)).isDirectory());

describe("the README's folder table", () => {
  it('was found, with its rows', () => {
    expect(rows.size).toBeGreaterThan(10);
  });

  it.each(['sdk', 'collector'])('has a row for every folder of %s/, and names every folder inside it', (top) => {
    for (const folder of folders(top)) {
      const row = rows.get(`${top}/${folder}`);
      expect(row, `no row for ${top}/${folder}/`).toBeDefined();
      for (const inner of folders(`${top}/${folder}`)) expect(row, `${top}/${folder}/${inner}/ is not named in its row`).toContain(`\`${inner}/\``);
    }
  });

  it('names only folders that exist', () => {
    for (const folder of rows.keys())
      expect(statSync(join(root, folder), { throwIfNoEntry: false })?.isDirectory(), `${folder}/ is in the table but not in the code`).toBe(true);
  });
});
