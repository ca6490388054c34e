import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topLevelStrings } from './line-ids';

const bytes = (text: string) => Buffer.from(text);

describe('topLevelStrings', () => {
  it('agrees with JSON.parse on random objects, nested decoys and escapes included', () => {
    const tricky = fc.constantFrom('messageId', 'source', '"', '\\', '{', '}', '[', ']', ',', ':', '字', '\u2028');
    const text = fc.oneof(
      fc.string(),
      fc.array(tricky, { maxLength: 6 }).map((parts) => parts.join('')),
    );
    const value = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.constant(null),
        fc.array(tie('v'), { maxLength: 3 }),
        fc.dictionary(fc.oneof(text, fc.constantFrom('messageId', 'source')), tie('v'), { maxKeys: 3 }),
      ),
    })).v;
    const event = fc.dictionary(fc.oneof(text, fc.constantFrom('messageId', 'source')), value, { maxKeys: 6 });
    fc.assert(
      fc.property(event, (object) => {
        const parsed = JSON.parse(JSON.stringify(object)) as Record<string, unknown>;
        const expected = [parsed.messageId, parsed.source].map((v) => (typeof v === 'string' ? v : undefined));
        expect(topLevelStrings(bytes(JSON.stringify(object)), 'messageId', 'source')).toEqual(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it('reads an enriched event as the collector writes it', () => {
    const line = JSON.stringify({
      type: 'track',
      properties: { messageId: 'decoy', source: 'decoy' },
      messageId: 'm-1',
      context: { source: 'x' },
      source: 'shop-web',
    });
    expect(topLevelStrings(bytes(line), 'messageId', 'source')).toEqual(['m-1', 'shop-web']);
  });
});
