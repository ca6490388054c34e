import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from './json-depth';

/** The depth of a parsed value, counted the slow, obvious way. */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Object.values(value as object);
  return 1 + (children.length ? Math.max(...children.map(depthOf)) : 0);
}

const bytes = (text: string) => Buffer.from(text);

describe('nestsDeeperThan', () => {
  it('agrees with the depth of the parsed value on random JSON, brackets and quotes inside strings included', () => {
    const tricky = fc.constantFrom('[', ']', '{', '}', '"', '\\', '\\"', '\\\\', 'é', '字');
    const text = fc.oneof(
      fc.string(),
      fc.array(tricky).map((parts) => parts.join('')),
    );
    const { value: json } = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        text,
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(text, tie('value'), { maxKeys: 4 }),
      ),
    }));
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 8 }), (value, max) => {
        const json = JSON.stringify(value);
        expect(nestsDeeperThan(bytes(json), max)).toBe(depthOf(value) > max);
      }),
      { numRuns: 3000 },
    );
  });

  it('stops at the limit on a body of nothing but opening brackets', () => {
    expect(nestsDeeperThan(bytes('['.repeat(500_000)), 64)).toBe(true);
    expect(nestsDeeperThan(bytes(`${'['.repeat(64)}${']'.repeat(64)}`), 64)).toBe(false);
    expect(nestsDeeperThan(bytes(`${'['.repeat(65)}${']'.repeat(65)}`), 64)).toBe(true);
  });

  it('leaves malformed text to the parser', () => {
    expect(nestsDeeperThan(bytes('"unterminated [[[['), 1)).toBe(false);
    expect(nestsDeeperThan(bytes(']]]]'), 1)).toBe(false);
  });
});
