import { constants } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Position } from './stream-log';

/** A saved cursor is JSON padded with spaces to a fixed width: `{"seq":…,"offset":…}` never needs more. */
const CURSOR_BYTES = 64;

/** A saved cursor; one never written (an empty file) or unreadable means from the start. */
export function parseCursor(text: string): Position {
  try {
    const { seq, offset } = JSON.parse(text) as Position;
    if (Number.isSafeInteger(seq) && Number.isSafeInteger(offset) && seq >= 0 && offset >= 0) return { seq, offset };
  } catch {
    // empty or torn: fall through
  }
  return { seq: 0, offset: 0 };
}

/**
 * A consumer's position in its stream, kept in `<dir>/<name>.json`. Rewritten in place at a fixed
 * width: one small write per save, which a killed process makes whole or not at all (and a cursor
 * that cannot be read means re-delivery from the start, never loss). One write is in flight at a
 * time and carries the latest position, so under load saves coalesce instead of queueing.
 */
export async function openCursor(dir: string, name: string, onError: (error: unknown) => void) {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name.replace(/[^\w.-]/g, '_')}.json`);
  const initial = await readFile(path, 'utf8').then(parseCursor, () => ({ seq: 0, offset: 0 }));
  const handle = await open(path, constants.O_RDWR | constants.O_CREAT);
  let position: Position = initial;
  let saving: Promise<void> | undefined;
  let unsaved = false;
  let savedAt = 0;
  return {
    initial,
    /** Records the position and saves it (if it cannot be saved, a crash only means re-delivery). */
    save(next: Position) {
      position = next;
      unsaved = true;
      saving ??= (async () => {
        while (unsaved) {
          unsaved = false;
          savedAt = Date.now();
          await handle.write(Buffer.from(JSON.stringify(position).padEnd(CURSOR_BYTES)), 0, CURSOR_BYTES, 0).catch(onError);
        }
        saving = undefined;
      })();
    },
    /** When the last save started, in ms since the epoch. */
    savedAt: () => savedAt,
    async close() {
      await saving;
      await handle.close();
    },
  };
}
