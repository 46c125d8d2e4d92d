import { AppError } from "@switchyard/errors";

export interface CallLimits {
  /** Calls in flight to one provider at once (its connection pool is this size too). */
  concurrency: number;
  /** Calls waiting for one of those; past it, a call is refused at once. */
  queue: number;
  /** Longest a call waits in the queue before it is refused. */
  queueWaitMs: number;
}

export interface CallLimiter {
  /**
   * Takes a slot, waiting in the queue (bounded in size and time) when every slot is taken.
   * Resolves with the slot's release (idempotent); rejects with `unavailable` when the queue
   * is full or the wait ran out, or with the signal's reason when it aborts first.
   */
  acquire(signal: AbortSignal): Promise<() => void>;
  inFlight(): number;
  queued(): number;
}

interface Waiter {
  grant(): void;
}

/** Bounds one provider's calls: `concurrency` in flight, then a bounded, time-limited FIFO queue, then a clear 503. */
export function createCallLimiter(provider: string, limits: CallLimits): CallLimiter {
  let active = 0;
  // Insertion-ordered: the first entry is the oldest waiter; a waiter that gives up is deleted in O(1).
  const waiters = new Set<Waiter>();

  const atLimit = (waited: string) =>
    new AppError(
      "unavailable",
      `model provider '${provider}' is at its limit of ${limits.concurrency} concurrent calls${waited}; try again`,
      {
        details: { provider, concurrency: limits.concurrency, queue: limits.queue },
      },
    );

  const slot = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = waiters.values().next();
      if (next.done) active -= 1;
      else {
        // The slot passes straight to the oldest waiter: `active` stays the same.
        waiters.delete(next.value);
        next.value.grant();
      }
    };
  };

  return {
    inFlight: () => active,
    queued: () => waiters.size,
    acquire(signal) {
      if (signal.aborted) return Promise.reject(signal.reason);
      if (active < limits.concurrency) {
        active += 1;
        return Promise.resolve(slot());
      }
      if (waiters.size >= limits.queue) return Promise.reject(atLimit(limits.queue > 0 ? ` and ${limits.queue} waiting` : ""));
      return new Promise((resolve, reject) => {
        const leave = (error: unknown) => {
          waiters.delete(waiter);
          clearTimeout(timer);
          signal.removeEventListener("abort", onAbort);
          reject(error);
        };
        const onAbort = () => leave(signal.reason);
        const timer = setTimeout(() => leave(atLimit(` (waited ${limits.queueWaitMs} ms)`)), limits.queueWaitMs);
        const waiter: Waiter = {
          grant() {
            clearTimeout(timer);
            signal.removeEventListener("abort", onAbort);
            resolve(slot());
          },
        };
        waiters.add(waiter);
        signal.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}
