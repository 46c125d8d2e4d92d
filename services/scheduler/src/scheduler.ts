import { createHash, randomUUID } from "node:crypto";
import { endpoints, ScheduleView } from "@switchyard/contracts";
import { AppError, toAppError } from "@switchyard/errors";
import { type Bus, call, serve } from "@switchyard/nats";
import { createStoreHealth, type Redis, type StoreHealth } from "@switchyard/redis";
import type { Logger, Tracer } from "@switchyard/telemetry";
import type { SchedulerConfig } from "./config.ts";
import { createScheduleStore, type StoredSchedule } from "./store.ts";
import { timingOf } from "./timing.ts";

export interface SchedulerDeps {
  bus: Bus;
  redis: Redis;
  config: SchedulerConfig;
  logger: Logger;
  tracer: Tracer;
  instance: string;
}

/** The execution id of one tick: the same for every replica that fires it, so the queue and the record take it once. */
const tickExecutionId = (scheduleId: string, tick: number) =>
  `exe_${createHash("sha256").update(`${scheduleId}@${tick}`).digest("hex").slice(0, 24)}`;

const view = (schedule: StoredSchedule) => {
  const timing = timingOf(schedule.trigger, schedule.anchor);
  const upcoming = schedule.status === "active" ? timing.upcoming(Math.max(Date.now(), (schedule.nextMs ?? 0) - 1), 5) : [];
  const limited = schedule.maxRuns === undefined ? upcoming : upcoming.slice(0, Math.max(0, schedule.maxRuns - schedule.runCount));
  return ScheduleView.parse({ ...schedule, upcoming: limited.map((time) => new Date(time).toISOString()) });
};

/**
 * The scheduler, any number of replicas. Each polls the due set every `SCHEDULER_POLL_MS`; a
 * due tick is submitted as an execution whose id is derived from the schedule and the tick
 * time, then claimed by compare-and-set on the schedule's next tick. Replicas racing on one
 * tick submit the same execution (deduplicated by the executors) and one of them advances
 * it; a replica that dies between submitting and advancing leaves the tick to the others,
 * who submit it again, harmlessly. Ticks later than the grace period were missed (nothing
 * ran): `skip` drops them, `run_once` runs one execution for the latest.
 */
export function createScheduler(deps: SchedulerDeps) {
  const { bus, config, logger, tracer } = deps;
  const store = createScheduleStore(deps.redis, tracer);
  const subscriptions: { unsubscribe(): void }[] = [];
  let poller: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  let health: StoreHealth | undefined;
  const notFound = (id: string) => new AppError("not_found", `schedule '${id}' does not exist`);

  const submit = (schedule: StoredSchedule, id: string, idempotencyKey: string, tick?: number) =>
    call(
      bus,
      endpoints.executionSubmit,
      {
        id,
        kind: schedule.kind,
        name: schedule.target,
        inputs: schedule.inputs,
        owner: schedule.owner,
        idempotencyKey,
        scheduleId: schedule.id,
        ...(tick === undefined ? {} : { scheduledFor: new Date(tick).toISOString() }),
      },
      { timeoutMs: config.SCHEDULER_SUBMIT_TIMEOUT_MS },
    );

  /** Fires one due schedule's tick, or records it missed; a retryable failure leaves it due for the next poll. */
  async function fire(id: string, now: number) {
    const schedule = await store.get(id);
    const tick = schedule?.nextMs;
    if (schedule?.status !== "active" || tick === undefined || tick > now) return;
    const timing = timingOf(schedule.trigger, schedule.anchor);
    const missed = now - tick > config.SCHEDULER_GRACE_MS;
    const runAt = missed ? (schedule.missed === "run_once" ? timing.latest(now, tick - 1) : undefined) : tick;
    const next = timing.next(missed ? now : tick);
    const done = schedule.maxRuns !== undefined && runAt !== undefined && schedule.runCount + 1 >= schedule.maxRuns;
    if (runAt === undefined) {
      await store.advance(schedule, tick, { next });
      logger.info({ schedule: id, missedFrom: new Date(tick).toISOString() }, "missed ticks skipped");
      return;
    }
    try {
      const { execution } = await submit(schedule, tickExecutionId(id, runAt), `schedule:${id}:${runAt}`, runAt);
      await store.advance(schedule, tick, { next, fired: { at: runAt, executionId: execution.id }, done });
    } catch (error) {
      const appError = toAppError(error);
      // The executors are away: the tick stays due and the next poll tries again (until it is missed).
      if (appError.retryable) return;
      // Not runnable as set (undeployed target, bad inputs): this tick is spent, the schedule says why.
      await store.advance(schedule, tick, { next, error: appError.message });
    }
  }

  async function poll() {
    const now = Date.now();
    const due = await store.due(now, 256);
    await Promise.all(due.map((id) => fire(id, now).catch((error: unknown) => logger.warn({ err: error, schedule: id }, "tick failed"))));
  }

  const owned = async (id: string, owner: string | undefined) => {
    const schedule = await store.get(id, owner);
    if (!schedule) throw notFound(id);
    return schedule;
  };

  /** Pause (active → paused, no next tick) or resume (paused → active, the next tick from now). */
  async function switchStatus(id: string, owner: string | undefined, verb: "pause" | "resume") {
    const schedule = await owned(id, owner);
    const next = verb === "resume" ? timingOf(schedule.trigger, schedule.anchor).next(Date.now()) : undefined;
    const changed =
      verb === "pause"
        ? await store.change(id, owner, { require: "active", status: "paused", next })
        : await store.change(id, owner, { require: "paused", status: "active", next });
    if (!changed) throw notFound(id);
    if ("wrongStatus" in changed) throw new AppError("invalid_request", `Cannot ${verb} job with status '${changed.wrongStatus}'.`);
    return view(await owned(id, owner));
  }

  return {
    async start() {
      health = await createStoreHealth(deps.redis, "scheduler", logger);
      const options = { logger, tracer };
      subscriptions.push(
        serve(
          bus,
          endpoints.scheduleCreate,
          async (request) => {
            // Checked before anything is stored: a bad cron pattern or time zone is 422.
            timingOf(request.trigger, Date.now());
            const next = (anchor: number) => timingOf(request.trigger, anchor).next(anchor);
            return view(await store.create(request, next, config.SCHEDULER_MAX_SCHEDULES));
          },
          options,
        ),
        serve(
          bus,
          endpoints.scheduleList,
          async ({ owner, limit, offset, status, target }) => {
            const filtered = status !== undefined || target !== undefined;
            // Filters are applied over the owner's schedules (bounded by SCHEDULER_MAX_SCHEDULES).
            const page = await store.list(owner, filtered ? config.SCHEDULER_MAX_SCHEDULES : limit, filtered ? 0 : offset);
            if (!filtered) return { items: page.items.map(view), total: page.total };
            const matching = page.items.filter((item) => (!status || item.status === status) && (!target || item.target === target));
            return { items: matching.slice(offset, offset + limit).map(view), total: matching.length };
          },
          options,
        ),
        serve(bus, endpoints.scheduleGet, async ({ id, owner }) => view(await owned(id, owner)), options),
        serve(
          bus,
          endpoints.scheduleUpdate,
          async ({ id, owner, changes }) => {
            const schedule = await owned(id, owner);
            const { maxRuns, ...rest } = changes;
            const updated: StoredSchedule = { ...schedule, ...rest, ...(maxRuns === undefined ? {} : { maxRuns: maxRuns ?? undefined }) };
            if (maxRuns === null) delete updated.maxRuns;
            // A new trigger counts from now.
            if (changes.trigger) updated.anchor = Date.now();
            const next = updated.status === "active" ? timingOf(updated.trigger, updated.anchor).next(Date.now()) : undefined;
            await store.change(id, owner, { status: updated.status, next, settings: updated });
            return view(await owned(id, owner));
          },
          options,
        ),
        serve(
          bus,
          endpoints.scheduleDelete,
          async ({ id, owner }) => {
            if (!(await store.remove(id, owner))) throw notFound(id);
            return {};
          },
          options,
        ),
        serve(bus, endpoints.schedulePause, ({ id, owner }) => switchStatus(id, owner, "pause"), options),
        serve(bus, endpoints.scheduleResume, ({ id, owner }) => switchStatus(id, owner, "resume"), options),
        serve(
          bus,
          endpoints.scheduleTrigger,
          async ({ id, owner }) => {
            const schedule = await owned(id, owner);
            const { execution } = await submit(
              schedule,
              `exe_${randomUUID().replaceAll("-", "").slice(0, 24)}`,
              `schedule:${id}:now:${randomUUID()}`,
            );
            return { schedule: view(schedule), executionId: execution.id };
          },
          options,
        ),
        serve(
          bus,
          endpoints.schedulerPing,
          async () => ({ service: "scheduler", instance: deps.instance, checks: { redis: (await health?.check()) ?? "starting" } }),
          options,
        ),
      );
      poller = setInterval(() => {
        if (polling) return;
        polling = poll()
          .catch((error: unknown) => logger.warn({ err: error }, "schedule poll failed"))
          .finally(() => {
            polling = undefined;
          });
      }, config.SCHEDULER_POLL_MS);
      await bus.nats.flush();
      return {};
    },
    async stop() {
      clearInterval(poller);
      for (const subscription of subscriptions) subscription.unsubscribe();
      await polling;
    },
  };
}
