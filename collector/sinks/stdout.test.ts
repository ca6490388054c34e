import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { eventsBatch, sampleEvents } from './sample-events';
import { createStdoutSink } from './stdout';

describe('stdout sink', () => {
  it('writes one JSON line per event and resolves once the stream took them', async () => {
    const chunks: string[] = [];
    const out = new Writable({ write: (chunk, _e, done) => setTimeout(() => (chunks.push(String(chunk)), done()), 5) });
    await createStdoutSink(out).write(eventsBatch(sampleEvents('s', 2)));
    expect(
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).messageId),
    ).toEqual(['s-0', 's-1']);
  });
});
