import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverable } from './consumer';
import { readDeadLetters } from './dead-letter';
import { intactLength } from './recover';

// A record taken out in place (`touchpoint forget`) is a line of spaces: every reader of the log skips it.
const a = '{"messageId":"a","userId":"u1"}';
const b = '{"messageId":"b","userId":"u2"}';
const blank = ' '.repeat(a.length);

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'tp-blank-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('lines of spaces in the log', () => {
  it('are not delivered to sinks, nor are lines the suppression list names', () => {
    expect(deliverable(Buffer.from(`${blank}\n${b}\n`))).toEqual({ lines: Buffer.from(`${b}\n`), count: 1 });
    expect(deliverable(Buffer.from(`${a}\n${b}\n`), (line) => Buffer.from(line).includes('"u1"'))).toEqual({ lines: Buffer.from(`${b}\n`), count: 1 });
    const untouched = Buffer.from(`${a}\n${b}\n`);
    expect(deliverable(untouched).lines).toBe(untouched); // nothing taken out: the same buffer, not a copy
    expect(deliverable(Buffer.from(`${blank}\n`))).toEqual({ lines: Buffer.alloc(0), count: 0 });
  });

  it('are intact when a part is recovered after a crash, even last', async () => {
    const path = join(dir, 'part.ndjson');
    await writeFile(path, `${a}\n${blank}\n`);
    const handle = await open(path, 'r');
    try {
      expect(await intactLength(handle, Buffer.byteLength(`${a}\n${blank}\n`))).toBe(Buffer.byteLength(`${a}\n${blank}\n`));
    } finally {
      await handle.close();
    }
  });

  it('are skipped in dead letters', async () => {
    const path = join(dir, 'dead.ndjson');
    const letter = JSON.stringify({ at: '2026-11-24T10:00:00.000Z', sink: 'http', stream: 'events', reason: 'refused', event: JSON.parse(b) as unknown });
    await writeFile(path, `${' '.repeat(40)}\n${letter}\n`);
    expect(await readDeadLetters(path)).toEqual([JSON.parse(letter)]);
  });
});
