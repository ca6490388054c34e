import { constants } from 'node:fs';
import { access, mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sink } from './sink';

export interface NdjsonSinkOptions {
  /** Folder that receives `date=YYYY-MM-DD/part-<startedAtMs>-<pid>.ndjson` files. */
  dir: string;
  /** `datasync` before a write resolves, so an acknowledged event survives a power cut. */
  fsync?: boolean;
  now?: () => Date;
}

interface PendingWrite {
  text: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * One JSON object per line, partitioned by UTC date (a layout DuckDB and Spark read directly).
 * Concurrent writes are coalesced: one append and one datasync serve every request waiting
 * (group commit), and each `write` resolves only once its lines are on disk.
 */
export function createNdjsonSink({ dir, fsync = true, now = () => new Date() }: NdjsonSinkOptions): Sink {
  let pending: PendingWrite[] = [];
  let draining: Promise<void> | undefined;
  let file: { date: string; handle: FileHandle } | undefined;
  let closed = false;

  async function currentFile(): Promise<FileHandle> {
    const date = now().toISOString().slice(0, 10);
    if (file?.date === date) return file.handle;
    await file?.handle.close();
    file = undefined;
    const folder = join(dir, `date=${date}`);
    await mkdir(folder, { recursive: true });
    const handle = await open(join(folder, `part-${Date.now()}-${process.pid}.ndjson`), 'a');
    file = { date, handle };
    return handle;
  }

  async function drain(): Promise<void> {
    while (pending.length > 0) {
      const group = pending;
      pending = [];
      try {
        const handle = await currentFile();
        await handle.appendFile(group.length === 1 ? group[0]!.text : group.map((w) => w.text).join(''));
        if (fsync) await handle.datasync();
        for (const w of group) w.resolve();
      } catch (error) {
        // The file may now end in a partial line: start a fresh part file for what comes next.
        await file?.handle.close().catch(() => {});
        file = undefined;
        for (const w of group) w.reject(error);
      }
    }
    draining = undefined;
  }

  return {
    write(events) {
      if (closed) return Promise.reject(new Error('ndjson sink is closed'));
      if (events.length === 0) return Promise.resolve();
      let text = '';
      for (const event of events) text += JSON.stringify(event) + '\n';
      return new Promise<void>((resolve, reject) => {
        pending.push({ text, resolve, reject });
        draining ??= drain();
      });
    },
    async flush() {
      await draining;
    },
    async ready() {
      try {
        await mkdir(dir, { recursive: true });
        await access(dir, constants.W_OK);
        return !closed;
      } catch {
        return false;
      }
    },
    async close() {
      closed = true;
      await draining;
      await file?.handle.close();
      file = undefined;
    },
  };
}
