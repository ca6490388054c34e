/**
 * Calls made on the tracker while it waits for something (its stored state, a plugin's `load`)
 * run once it has everything, in the order they were made. Returns `run` (runs `op` now, or after
 * what is awaited and the calls made before it) and `waitFor` (holds the calls made from now until
 * `task` settles; with several tasks, until all have). A pair, not an object: the script-tag build
 * is counted in bytes.
 */
export function createCallQueue(): [run: (op: () => void) => void, waitFor: (task: Promise<unknown>) => void] {
  let waiting = 0;
  const pending: (() => void)[] = [];
  return [
    (op) => (waiting ? pending.push(op) : op()),
    (task) => {
      waiting++;
      const replay = () => {
        // A call that waits for something new (a plugin added meanwhile) stops the replay until it is there.
        for (waiting--; !waiting && pending.length;) {
          try {
            pending.shift()!();
          } catch {
            // one call's failure is its own: the calls after it still run
          }
        }
      };
      task.then(replay, replay);
    },
  ];
}
