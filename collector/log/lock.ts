import { open, readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';

/** Lock files this process holds (a file naming this process's pid may be a previous life's: PID 1 in a container). */
const held = new Set<string>();

/**
 * One collector writes a data folder: a second one would write the same parts. The lock file holds
 * the owner's pid; one left by a process that is gone (killed) is taken over.
 */
export async function lockDataDir(file: string): Promise<{ release(): Promise<void> }> {
  const path = resolve(file);
  if (held.has(path)) throw new Error(`the data folder is in use by another collector in this process (${path})`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      held.add(path);
      return {
        release: async () => {
          held.delete(path);
          await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(await readFile(path, 'utf8').catch(() => ''));
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new Error(`the data folder is in use by another collector (pid ${owner}, ${path})`);
      }
      await rm(path, { force: true });
    }
  }
  throw new Error(`cannot lock the data folder (${path})`);
}

/** The pid of the running collector that writes the data folder, if one does. */
export async function lockHolder(file: string): Promise<number | undefined> {
  const owner = Number(await readFile(file, 'utf8').catch(() => ''));
  return Number.isInteger(owner) && owner > 0 && alive(owner) ? owner : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
