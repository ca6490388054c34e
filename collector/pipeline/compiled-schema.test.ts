import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { batchEnvelopeSchema, eventSchema } from '../../sdk/protocol/schemas';
// @ts-expect-error: the plain ESM payload shared with `npm run bench:collector`
import { makeBatch } from '../bench/payload.mjs';
import { compileAcceptor } from './compiled-schema';

const accepts = compileAcceptor(eventSchema);
const clone = <T>(v: T): T => structuredClone(v);

const bases: Record<string, unknown>[] = [
  ...(JSON.parse(makeBatch(7)).batch as Record<string, unknown>[]),
  { type: 'screen', userId: 'u1', name: 'Home', category: 'App', properties: {}, context: { miniprogram: { scene: 1007 } } },
  { type: 'group', anonymousId: 'a1', groupId: 'g1', traits: { size: 10 }, sentAt: '2026-11-24T10:00:00+08:00' },
  { type: 'alias', userId: 'u2', previousId: 'a1', integrations: { All: true } },
];

const VALUES: unknown[] = [
  undefined,
  null,
  0,
  1.5,
  '',
  'x',
  'x'.repeat(257),
  true,
  [],
  {},
  { a: 1 },
  '2026-11-24T10:00:00Z',
  '2026-11-24T10:00:00.000+08:00',
  '2026-13-01T00:00:00Z',
  '2026-11-24 10:00:00',
  'track',
  'page',
  'identify',
  'alias',
  'bogus',
];
const TOP_KEYS = [
  'type',
  'messageId',
  'anonymousId',
  'userId',
  'timestamp',
  'sentAt',
  'context',
  'integrations',
  'event',
  'name',
  'category',
  'properties',
  'traits',
  'groupId',
  'previousId',
  'extra',
];
const CONTEXT_PATHS = [
  ['library'],
  ['library', 'name'],
  ['library', 'extra'],
  ['page'],
  ['page', 'url'],
  ['page', 'extra'],
  ['screen', 'width'],
  ['screen', 'extra'],
  ['locale'],
  ['ip'],
  ['seq'],
  ['anything'],
];

/** Every base event with one field changed or removed, top level and inside context. */
function* corpus() {
  for (const base of bases) {
    yield base;
    for (const key of TOP_KEYS) {
      for (const value of VALUES) {
        const e = clone(base);
        if (value === undefined) delete e[key];
        else e[key] = value;
        yield e;
      }
    }
    for (const path of CONTEXT_PATHS) {
      for (const value of VALUES) {
        const e = clone(base) as { context?: Record<string, unknown> };
        let at = (e.context ??= {}) as Record<string, unknown>;
        for (const key of path.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
        if (value === undefined) delete at[path.at(-1)!];
        else at[path.at(-1)!] = value;
        yield e;
      }
    }
  }
  yield null;
  yield [];
  yield 'track';
  yield JSON.parse('{"type":"track","event":"x","anonymousId":"a","__proto__":{"x":1}}');
  yield { type: 'track', event: 'x', anonymousId: 'a', properties: JSON.parse('{"__proto__":{"x":1}}') };
}

describe('compileAcceptor', () => {
  it('accepts only what zod accepts, and only where zod would return the value unchanged', () => {
    let accepted = 0;
    let total = 0;
    for (const value of corpus()) {
      total++;
      if (!accepts(value)) continue;
      accepted++;
      const parsed = eventSchema.safeParse(value);
      expect(parsed.success, JSON.stringify(value)).toBe(true);
      expect(parsed.data).toStrictEqual(value);
    }
    // The corpus must exercise both answers for the check above to mean anything.
    expect(accepted).toBeGreaterThan(total / 4);
    expect(accepted).toBeLessThan(total);
  });

  it('accepts the well-formed events a browser sends, so they skip zod', () => {
    for (const event of bases) expect(accepts(event), JSON.stringify(event)).toBe(true);
  });

  it('leaves to zod the events whose unknown fields zod would strip', () => {
    expect(accepts({ ...bases[0], extra: 1 })).toBe(false);
    // context and its objects are loose: unknown fields there are kept, and accepted as they are
    expect(accepts({ ...bases[0], context: { library: { name: 'a', version: '1', extra: 1 } } })).toBe(true);
    expect(accepts({ ...bases[0], context: { campaign: { source: 'x' } } })).toBe(true);
  });

  it('accepts batch envelopes as they are, and leaves odd ones to zod', () => {
    const envelope = compileAcceptor(batchEnvelopeSchema);
    const body = JSON.parse(makeBatch(3));
    expect(envelope(body)).toBe(true);
    expect(batchEnvelopeSchema.parse(body)).toStrictEqual(body);
    expect(envelope({ ...body, extra: 1 })).toBe(false);
    expect(envelope({ ...body, batch: {} })).toBe(false);
    expect(envelope({ ...body, sentAt: 'yesterday' })).toBe(false);
    expect(envelope({ batch: [] })).toBe(true);
  });

  it('never accepts for a schema it cannot compile', () => {
    const unknownConstruct = compileAcceptor(z.object({ at: z.date() }));
    expect(unknownConstruct({ at: new Date() })).toBe(false);
    const transformed = compileAcceptor(z.string().transform((s) => s.trim()));
    expect(transformed(' x ')).toBe(false);
  });
});
