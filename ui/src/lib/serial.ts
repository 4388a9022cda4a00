// Changes to an inspection are applied in the order the user made them. Two quick edits
// (leaving a field, then ticking a box) are two commands; without a queue the later one
// could reach the store first and be overwritten by the earlier.

/** Returns a function that runs tasks one after another, each after the previous settled. */
export function serialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}
