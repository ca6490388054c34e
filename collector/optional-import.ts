/** A missing optional dependency: the message names the package to install. */
export class MissingPackageError extends Error {
  override name = 'MissingPackageError';
}

/**
 * Loads an optional dependency (a sink's driver, Redis, MaxMind) when it is configured. Installed
 * with `--omit=optional`, it is missing: one line then says which package to install, instead of
 * Node's "Cannot find package".
 */
export async function importOptional<T>(load: () => Promise<T>, pkg: string, usedBy: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${pkg}`)) {
      throw new MissingPackageError(`${usedBy} needs the optional package "${pkg}", which is not installed: npm install ${pkg}`);
    }
    throw error;
  }
}
