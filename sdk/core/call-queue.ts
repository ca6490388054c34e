/**
 * Calls made on the tracker while it waits for something (its stored state, a plugin's `load`)
 * run once it has everything, in the order they were made.
 */
export interface CallQueue {
  /** Runs `op` now, or after what is awaited and the calls made before it. */
  run(op: () => void): void;
  /** Holds the calls made from now until `task` settles (several tasks: until all have). */
  waitFor(task: Promise<unknown>): void;
}

export function createCallQueue(): CallQueue {
  let waiting = 0;
  const pending: (() => void)[] = [];
  const run = (op: () => void) => void (waiting ? pending.push(op) : op());
  return {
    run,
    waitFor(task) {
      waiting++;
      const replay = () => {
        // A call that waits for something new (a plugin added meanwhile) stops the replay until it is there.
        for (waiting--; !waiting && pending.length; ) {
          try {
            pending.shift()!();
          } catch {
            // one call's failure is its own: the calls after it still run
          }
        }
      };
      task.then(replay, replay);
    },
  };
}
