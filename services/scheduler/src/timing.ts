import type { ScheduleTrigger } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { Cron } from "croner";

/** When a trigger fires, given where its interval counts from. */
export interface Timing {
  /** The first tick strictly after `after` (ms), or undefined when there is none. */
  next(after: number): number | undefined;
  /** The latest tick at or before `at` (ms) and after `since`, or undefined. */
  latest(at: number, since: number): number | undefined;
  upcoming(after: number, count: number): number[];
}

/** A cron pattern's timing (5 fields, or 6 with seconds, in the trigger's time zone); a bad pattern or zone is 422. */
function cronTiming(pattern: string, timezone: string): Timing {
  let cron: Cron;
  try {
    cron = new Cron(pattern, { timezone, paused: true });
    cron.nextRun();
  } catch (error) {
    throw new AppError("invalid_input", `trigger.cron: ${error instanceof Error ? error.message : String(error)}`, {
      param: "trigger.cron",
    });
  }
  return {
    next: (after) => cron.nextRun(new Date(after))?.getTime(),
    latest: (at, since) => {
      const [previous] = cron.previousRuns(1, new Date(at + 1));
      const time = previous?.getTime();
      return time !== undefined && time > since ? time : undefined;
    },
    upcoming: (after, count) => cron.nextRuns(count, new Date(after)).map((date) => date.getTime()),
  };
}

/** Every `seconds`, counted from `anchor` (the schedule's creation, or its last trigger change). */
function intervalTiming(seconds: number, anchor: number): Timing {
  const step = seconds * 1000;
  const next = (after: number) => anchor + (Math.floor((after - anchor) / step) + 1) * step;
  return {
    next,
    latest: (at, since) => {
      if (at < anchor + step) return undefined;
      const time = anchor + Math.floor((at - anchor) / step) * step;
      return time > since ? time : undefined;
    },
    upcoming: (after, count) => {
      const first = next(after);
      return Array.from({ length: count }, (_, index) => first + index * step);
    },
  };
}

export function timingOf(trigger: ScheduleTrigger, anchor: number): Timing {
  return "cron" in trigger ? cronTiming(trigger.cron, trigger.timezone) : intervalTiming(trigger.intervalSeconds, anchor);
}
