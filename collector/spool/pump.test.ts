import { describe, expect, it } from 'vitest';
import { decodeStream, encodeRecord } from './pump';

const lines = (buffer: Buffer | undefined) => buffer?.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

describe('spool records', () => {
  it('hold each stream as NDJSON that a pump reads without parsing the others', () => {
    const record = {
      events: [{ messageId: 'a', text: 'line\nbreak and "quotes"' }, { messageId: 'b' }],
      bots: [{ messageId: 'c' }],
    };
    const payload = encodeRecord(record);
    expect(lines(decodeStream(payload, 'events'))).toEqual(record.events);
    expect(lines(decodeStream(payload, 'bots'))).toEqual(record.bots);
    expect(decodeStream(payload, 'failed')).toBeUndefined();
    // One event per line: a newline inside a string is escaped by JSON.
    expect(decodeStream(payload, 'events')!.toString().split('\n')).toHaveLength(3);
  });

  it('still read records written before the NDJSON layout (one JSON document)', () => {
    const record = { events: [{ messageId: 'a' }], failed: [{ reason: 'x' }] };
    const json = JSON.stringify(record);
    const legacy = Buffer.concat([Buffer.from([1 | 2]), Buffer.from(json)]);
    expect(lines(decodeStream(legacy, 'events'))).toEqual(record.events);
    expect(lines(decodeStream(legacy, 'failed'))).toEqual(record.failed);
    expect(decodeStream(legacy, 'bots')).toBeUndefined();
  });
});
