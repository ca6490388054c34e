import { bench, describe } from 'vitest';
import { createMemoryDedup } from './dedup';

// Part of `npm run bench:pipeline`: one request's de-dup claim (20 new ids) against a memory
// store already holding a million ids, the default bound, as after some minutes of load.
const dedup = createMemoryDedup({ windowSeconds: 86_400, maxEntries: 1_000_000 });
let n = 0;
const request = () => Array.from({ length: 20 }, () => `demo:${(n++).toString(36)}-0f8fad5b-d9cb-469f-a165`);

describe('de-dup, memory store full (1,000,000 ids)', async () => {
  for (let i = 0; i < 50_000; i++) await dedup.claim(request());
  bench('claim 20 new ids', async () => {
    await dedup.claim(request());
  });
});
