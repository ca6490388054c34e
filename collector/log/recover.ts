import type { FileHandle } from 'node:fs/promises';

/** How far back a torn tail is looked for: more than one group commit ever writes. */
const WINDOW = 4 * 1024 * 1024;

/**
 * The length of a part file's intact prefix after a crash: whole lines, the last ones valid JSON.
 * A write cut short leaves a partial last line, or (on some file systems) a stretch of NUL bytes
 * where the size grew before the data landed; both are cut off. Every acknowledged line was
 * written whole and synced before its acknowledgement, so nothing acknowledged is ever cut. A line
 * of spaces is a record taken out in place (`touchpoint forget`): intact.
 */
export async function intactLength(handle: FileHandle, size: number): Promise<number> {
  if (size === 0) return 0;
  const start = Math.max(0, size - WINDOW);
  const tail = Buffer.alloc(size - start);
  await handle.read(tail, 0, tail.length, start);
  let end = tail.lastIndexOf(0x0a) + 1; // after the last whole line (0: none in the window)
  if (end === 0) return start === 0 ? 0 : size; // one line longer than the window: leave it be
  // The last lines must parse; a torn group may have left whole but corrupt lines before the cut one.
  while (end > 0) {
    const previous = tail.lastIndexOf(0x0a, end - 2) + 1;
    if (isJsonLine(tail.subarray(previous, end - 1))) break;
    end = previous;
  }
  return start + end;
}

function isJsonLine(line: Buffer): boolean {
  if (line.length > 0 && line.every((byte) => byte === 0x20)) return true;
  if (line.length === 0 || line[0] !== 0x7b) return false;
  try {
    JSON.parse(line.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
