// What the bench must undo if it is interrupted (a signal, its watchdog) in the middle of a case:
// each process, folder, table or stream registers how to remove itself, and unregisters once removed.
const pending = [];

/** Registers `undo` (may be async); returns the function that unregisters it. */
export function atInterrupt(undo) {
  pending.push(undo);
  return () => {
    const at = pending.indexOf(undo);
    if (at !== -1) pending.splice(at, 1);
  };
}

/**
 * Runs every registered undo, the latest first (a collector stops before the tables it writes to
 * are dropped), giving them `ms` at most together.
 */
export async function undoAll(ms = 15_000) {
  const undos = pending.splice(0).reverse();
  const all = (async () => {
    for (const undo of undos)
      await Promise.resolve()
        .then(undo)
        .catch(() => {});
  })();
  await Promise.race([all, new Promise((done) => setTimeout(done, ms).unref())]);
}
