import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { packageRoot } from './package-root';

const tree = (files: Record<string, string>) => {
  const root = mkdtempSync(join(tmpdir(), 'tp-root-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
};

test('in a checkout, the repo root, also from the collector package folder inside it', () => {
  const root = tree({
    'package.json': JSON.stringify({ name: 'touchpoint-repo' }),
    'collector/package.json': JSON.stringify({ name: '@touchpoint/collector' }),
  });
  expect(packageRoot(join(root, 'collector/dist/collector/app.js'))).toBe(root);
  expect(packageRoot(join(root, 'dist/collector/app.js'))).toBe(root);
});

test('installed in a project, the collector package', () => {
  const root = tree({
    'package.json': JSON.stringify({ name: 'my-app' }),
    'node_modules/@touchpoint/collector/package.json': JSON.stringify({ name: '@touchpoint/collector' }),
  });
  expect(packageRoot(join(root, 'node_modules/@touchpoint/collector/dist/collector/app.js'))).toBe(join(root, 'node_modules/@touchpoint/collector'));
});

test('neither above: says so', () => {
  const root = tree({ 'package.json': '{ not json' });
  expect(() => packageRoot(join(root, 'a/b.js'))).toThrow(/package\.json not found/);
});
