/**
 * Runs `start` on first use and shares its promise with every later use (creating a table,
 * connecting); if it fails, the next use starts again instead of failing forever.
 */
export function sharedUntilFailure<T>(start: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= start().catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
}
