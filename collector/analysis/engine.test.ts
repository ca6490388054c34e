import { expect, it, vi } from 'vitest';
import { EngineMissingError, openEngine } from './engine';

// As on a machine where the optional dependency was not installed (npm install --omit=optional).
vi.mock('@duckdb/node-api', () => {
  throw new Error("Cannot find package '@duckdb/node-api'");
});

it('says, in one line, how to install DuckDB when it is missing', async () => {
  const opening = openEngine();
  await expect(opening).rejects.toBeInstanceOf(EngineMissingError);
  await expect(opening).rejects.toThrow('the analysis commands need DuckDB: npm install @duckdb/node-api@1.5.6-r.1');
});
