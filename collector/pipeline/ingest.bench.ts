import { bench, describe } from 'vitest';
// @ts-expect-error: the plain ESM payload shared with `npm run bench:collector`
import { makeBatch } from '../bench/payload.mjs';
import { ndjson } from '../records';
import { createEnricher } from './enrich';
import { createIngest } from './ingest';
import { createScrubber } from './scrub';

// `npm run bench:pipeline`: the CPU a request's events cost before the log — validation and
// enrichment of one realistic 20-event batch, against JSON.parse of the same body as the floor —
// and the whole JSON work of a request in the collector (parse, validate, enrich, serialise the
// enriched events as NDJSON) against the bare-Node baseline's (parse, serialise the
// events as sent).
const bodies: string[] = Array.from({ length: 500 }, (_, i) => makeBatch(i));
const ingest = createIngest({ enrich: createEnricher({ anonymizeIp: true }), scrub: createScrubber({ anonymizeIp: true }), routeBots: false });
const request = {
  source: 'demo',
  receivedAt: new Date('2026-11-24T10:00:01Z'),
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)',
  sentAt: '2026-11-24T10:00:00.500Z',
  bodyBytes: 15_000,
};
let n = 0;

describe('one 20-event request', () => {
  bench('JSON.parse only (floor)', () => {
    JSON.parse(bodies[n++ % bodies.length]!);
  });
  bench('JSON.parse + validate + enrich', () => {
    const { batch } = JSON.parse(bodies[n++ % bodies.length]!);
    ingest(batch, request);
  });
});

describe('one 20-event request, all its JSON work', () => {
  bench('baseline: JSON.parse + NDJSON of the events as sent', () => {
    ndjson(JSON.parse(bodies[n++ % bodies.length]!).batch);
  });
  bench('collector: JSON.parse + validate + enrich + NDJSON of the enriched events', () => {
    const { batch } = JSON.parse(bodies[n++ % bodies.length]!);
    Buffer.from(ndjson(ingest(batch, request).accepted));
  });
});
