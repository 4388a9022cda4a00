// One listener on the Tauri side, any number of handlers on ours. Registering a Tauri event
// listener is a round trip to the app process, and so is removing it. Panels that come and go
// with every move between items must not pay that (nor leave the app bookkeeping behind), so
// the underlying listener is registered once, on the first handler, and stays for the life of
// the page; handlers join and leave a local set synchronously.

/** Registers the underlying listener; `emit` passes each event to the current handlers. */
export type Subscribe<T> = (emit: (value: T) => void) => Promise<unknown>;

/** Returns `on(handler)`, which adds a handler and returns the function that removes it. */
export function fanOut<T>(subscribe: Subscribe<T>): (handler: (value: T) => void) => () => void {
  const handlers = new Set<(value: T) => void>();
  let registered: Promise<unknown> | null = null;
  return (handler) => {
    // A handler is its own entry even when the same function is added twice.
    const entry = (value: T) => handler(value);
    handlers.add(entry);
    registered ??= subscribe((value) => {
      for (const h of [...handlers]) h(value);
    }).catch((e) => {
      registered = null; // the next handler tries again
      console.error("cannot listen to the app's events", e);
    });
    return () => {
      handlers.delete(entry);
    };
  };
}
