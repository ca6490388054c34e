/** A start-up step failed: the message is one line naming the setting and its value. */
export class StartupError extends Error {
  override name = 'StartupError';
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the disk',
  EADDRINUSE: 'the address is already in use',
  EADDRNOTAVAIL: 'no such address on this machine',
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host',
  ETIMEDOUT: 'timed out',
};

/** Why, in a few words: the system's error code said plainly, else the message's first line. */
export function reasonOf(error: unknown): string {
  const { code, message } = (error ?? {}) as NodeJS.ErrnoException;
  return (code && REASONS[code]) ?? String(message ?? error).split('\n')[0]!;
}

/** A URL as it may be logged: its password masked. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '****';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(not a URL)';
  }
}

/** Runs a start-up step; its failure becomes `<setting>: <what> <value>: <reason>`. */
export async function startupStep<T>(setting: string, what: string, run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError(`${setting}: ${what}: ${reasonOf(error)}`, { cause: error });
  }
}
