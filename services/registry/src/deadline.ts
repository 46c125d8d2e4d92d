import { AppError } from "@switchyard/errors";

/** The time a deploy has left; past it nothing may be stored, since the caller is about to give up. */
export interface Deadline {
  readonly timeoutMs: number;
  remaining(): number;
  /** Throws `timeout` once the deadline has passed. */
  check(): void;
}

export function createDeadline(timeoutMs: number, now: () => number = Date.now): Deadline {
  const end = now() + timeoutMs;
  return {
    timeoutMs,
    remaining: () => end - now(),
    check: () => {
      if (now() < end) return;
      throw new AppError(
        "timeout",
        `the deploy was not stored: checking it took longer than the registry's deploy deadline of ${timeoutMs} ms; nothing changed`,
      );
    },
  };
}
