// Helpers for tests that order concurrent work by hand.

/** A settled flag for a promise, to show it is still pending at a given point (and what it rejected with). */
export function track(promise: Promise<unknown>): { settled: boolean; error: unknown } {
  const state: { settled: boolean; error: unknown } = { settled: false, error: undefined };
  promise.then(
    () => {
      state.settled = true;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

/**
 * A view of a client whose `eval` calls wait for `release`, so a test can act between a store's
 * lookup and its script (or order two scripts by hand). Everything else passes straight through.
 */
export function gatedEval<T extends { eval: (...args: never[]) => unknown }>(target: T) {
  let reached: () => void = () => {};
  let release: () => void = () => {};
  const atEval = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const client = new Proxy(target, {
    get(inner, property) {
      if (property === "eval") {
        return async (...args: unknown[]) => {
          reached();
          await released;
          return Reflect.apply(inner.eval, inner, args);
        };
      }
      const value: unknown = Reflect.get(inner, property, inner);
      return typeof value === "function" ? value.bind(inner) : value;
    },
  });
  return { client, atEval, release: () => release() };
}
