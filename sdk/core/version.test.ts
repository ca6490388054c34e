import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { VERSION } from './version';

const versionOf = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')).version;

it('matches the version of both packages and of the repo', () => {
  for (const path of ['../package.json', '../../collector/package.json', '../../package.json']) expect(VERSION, path).toBe(versionOf(path));
});
