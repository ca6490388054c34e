import { describe, expect, it } from 'vitest';
import { MAX_EVENT_BYTES } from '../../sdk/protocol/limits';
import { ingest } from './ingest';

const base = { writeKey: 'k', receivedAt: new Date('2026-11-24T10:00:00Z'), bodyBytes: 100 };

describe('ingest', () => {
  it('splits a batch into accepted and rejected, recording each failure with its original event', () => {
    const bad = { type: 'track', messageId: 'bad', anonymousId: 'a' };
    const result = ingest([{ type: 'track', event: 'ok', messageId: 'good', anonymousId: 'a' }, bad, 'junk'], base);
    expect(result.accepted.map((e) => e.messageId)).toEqual(['good']);
    expect(result.rejected).toEqual([
      { messageId: 'bad', reason: expect.stringContaining('event:') },
      { messageId: null, reason: '(root): event must be a JSON object' },
    ]);
    expect(result.failed[0]).toEqual({ reason: result.rejected[0]!.reason, receivedAt: '2026-11-24T10:00:00.000Z', writeKey: 'k', event: bad });
    expect(result.failed[1]!.event).toBe('junk');
  });

  it('takes the type from the route for single-event calls', () => {
    const { accepted } = ingest([{ event: 'Signed Up', userId: 'u' }], { ...base, routeType: 'track' });
    expect(accepted[0]).toMatchObject({ type: 'track', event: 'Signed Up' });
  });

  it('merges the batch context under each event context', () => {
    const { accepted, rejected } = ingest(
      [
        { type: 'track', event: 'a', anonymousId: 'x', context: { locale: 'en' } },
        { type: 'track', event: 'b', anonymousId: 'x' },
        { type: 'track', event: 'c', anonymousId: 'x', context: 'nonsense' },
      ],
      { ...base, batchContext: { locale: 'zh-CN', app: { name: 'shop' } } },
    );
    expect(accepted.map((e) => e.context)).toEqual([
      { locale: 'en', app: { name: 'shop' } },
      { locale: 'zh-CN', app: { name: 'shop' } },
    ]);
    expect(rejected[0]!.reason).toContain('context');
  });

  it('rejects an event over 32 KB when the body could hold one', () => {
    const big = { type: 'track', event: 'big', anonymousId: 'a', messageId: 'big', properties: { blob: 'x'.repeat(MAX_EVENT_BYTES) } };
    const small = { type: 'track', event: 'small', anonymousId: 'a' };
    const result = ingest([big, small], { ...base, bodyBytes: MAX_EVENT_BYTES + 200 });
    expect(result.rejected).toEqual([{ messageId: 'big', reason: expect.stringMatching(/limit is 32768/) }]);
    expect(result.accepted).toHaveLength(1);
  });
});
