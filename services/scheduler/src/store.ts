import { randomBytes } from "node:crypto";
import { parseJsonValue, type Schedule, ScheduleCreate, ScheduleStatus } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { defineScript, type Redis } from "@switchyard/redis";
import { type Tracer, withSpan } from "@switchyard/telemetry";
import { z } from "zod";

/*
 * The scheduler's keys, `sy:scheduler:*`: a hash per schedule (`doc`, its settings as JSON,
 * beside the fields that change as it fires), `due` (active schedules by next tick), `all`
 * and `owner:<key>` (by creation). Every change is one script; a tick is claimed by
 * compare-and-set on `next`, so of several replicas exactly one advances each tick.
 */
const prefix = "sy:scheduler:";
const keys = {
  schedule: (id: string) => `${prefix}s:${id}`,
  due: `${prefix}due`,
  all: `${prefix}all`,
  owner: (owner: string) => `${prefix}owner:${owner}`,
};

/** ARGV: [1] id, [2] created ms, [3] max schedules, [4] next ('' for none), then field/value pairs. KEYS: schedule, all, owner, due. */
const createScript = defineScript(`
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return 0 end
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1]) end
return 1
`);

/**
 * Claims a tick. ARGV: [1] id, [2] the next the caller read, [3] the new next ('' for none),
 * [4] now, [5] status after, then field/value pairs. KEYS: schedule, due. Returns 1 when this caller moved it.
 */
const advanceScript = defineScript(`
if redis.call('HGET', KEYS[1], 'status') ~= 'active' then return 0 end
if redis.call('HGET', KEYS[1], 'next') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'next', ARGV[3], 'status', ARGV[5], 'updatedAt', ARGV[4])
for i = 6, #ARGV, 2 do
  if ARGV[i] == 'runCount' then redis.call('HINCRBY', KEYS[1], 'runCount', ARGV[i + 1])
  else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
if ARGV[3] == '' then redis.call('ZREM', KEYS[2], ARGV[1]) else redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1]) end
return 1
`);

/**
 * Changes settings or status. ARGV: [1] id, [2] owner ('' any), [3] required status ('' any),
 * [4] status after, [5] next ('' none), [6] now, then field/value pairs. KEYS: schedule, due.
 * Returns the status before, false when not found for that owner, or {status} when it was not the required one.
 */
const changeScript = defineScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
if ARGV[2] ~= '' and redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] then return false end
if ARGV[3] ~= '' and status ~= ARGV[3] then return { status } end
redis.call('HSET', KEYS[1], 'status', ARGV[4], 'next', ARGV[5], 'updatedAt', ARGV[6])
for i = 7, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
if ARGV[4] == 'active' and ARGV[5] ~= '' then redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1]) else redis.call('ZREM', KEYS[2], ARGV[1]) end
return status
`);

/** KEYS: schedule, all, owner, due. ARGV: [1] id, [2] owner ('' any). Returns 1 when deleted. */
const deleteScript = defineScript(`
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then return 0 end
if ARGV[2] ~= '' and owner ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
return 1
`);

/** The settings kept as one JSON field. */
const Settings = ScheduleCreate.extend({ createdAt: z.string(), anchor: z.number() });
export type StoredSchedule = Schedule & { anchor: number; nextMs: number | undefined };

export interface ScheduleStore {
  create(settings: z.infer<typeof ScheduleCreate>, next: (anchor: number) => number | undefined, max: number): Promise<StoredSchedule>;
  get(id: string, owner?: string): Promise<StoredSchedule | undefined>;
  list(owner: string | undefined, limit: number, offset: number): Promise<{ items: StoredSchedule[]; total: number }>;
  due(now: number, count: number): Promise<string[]>;
  /** Claims the tick `expected`; false when another replica (or a change) got there first. */
  advance(
    schedule: StoredSchedule,
    expected: number,
    after: { next: number | undefined; fired?: { at: number; executionId: string }; error?: string; done?: boolean },
  ): Promise<boolean>;
  change(
    id: string,
    owner: string | undefined,
    change: {
      require?: z.infer<typeof ScheduleStatus>;
      status: z.infer<typeof ScheduleStatus>;
      next: number | undefined;
      settings?: StoredSchedule;
    },
  ): Promise<{ before: string } | { wrongStatus: string } | undefined>;
  remove(id: string, owner: string | undefined): Promise<boolean>;
}

function settingsOf(schedule: StoredSchedule): z.infer<typeof Settings> {
  return Settings.parse(schedule);
}

function readSchedule(flat: Record<string, string>): StoredSchedule | undefined {
  if (!flat.doc || !flat.id) return undefined;
  const settings = Settings.parse(parseJsonValue(flat.doc, () => new AppError("internal", "a stored schedule is not JSON")));
  const next = flat.next ? Number(flat.next) : undefined;
  return {
    ...settings,
    id: flat.id,
    status: ScheduleStatus.parse(flat.status),
    updatedAt: new Date(Number(flat.updatedAt)).toISOString(),
    runCount: Number(flat.runCount ?? 0),
    ...(next === undefined ? {} : { nextFireAt: new Date(next).toISOString() }),
    ...(flat.lastFireAt ? { lastFireAt: new Date(Number(flat.lastFireAt)).toISOString() } : {}),
    ...(flat.lastExecutionId ? { lastExecutionId: flat.lastExecutionId } : {}),
    ...(flat.lastError ? { lastError: flat.lastError } : {}),
    nextMs: next,
  };
}

export function createScheduleStore(redis: Redis, tracer: Tracer): ScheduleStore {
  const span = <T>(operation: string, work: () => Promise<T>) =>
    withSpan(tracer, `redis scheduler.${operation}`, { "db.system": "redis", "db.operation": operation }, work);
  const read = async (ids: readonly string[]) => {
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hgetall(keys.schedule(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies.flatMap(([, flat]) => {
      const parsed = z.record(z.string(), z.string()).safeParse(flat);
      const schedule = parsed.success ? readSchedule(parsed.data) : undefined;
      return schedule ? [schedule] : [];
    });
  };
  const get = async (id: string, owner?: string) => {
    const [schedule] = await read([id]);
    return schedule && (owner === undefined || schedule.owner === owner) ? schedule : undefined;
  };

  return {
    get: (id, owner) => span("get", () => get(id, owner)),
    create: (settings, next, max) =>
      span("create", async () => {
        const id = `sch_${randomBytes(12).toString("hex")}`;
        const now = Date.now();
        const stored = { ...settings, createdAt: new Date(now).toISOString(), anchor: now };
        const first = next(now);
        const fields = ["id", id, "owner", settings.owner, "doc", JSON.stringify(stored), "status", "active"];
        fields.push("next", first === undefined ? "" : String(first), "runCount", "0", "updatedAt", String(now));
        const made = await createScript.run(
          redis,
          [keys.schedule(id), keys.all, keys.owner(settings.owner), keys.due],
          [id, now, max, first === undefined ? "" : first, ...fields],
        );
        if (made !== 1) throw new AppError("conflict", `there are already ${max} schedules`);
        const created = await get(id);
        if (!created) throw new AppError("internal", "the schedule was not stored");
        return created;
      }),
    list: (owner, limit, offset) =>
      span("list", async () => {
        const index = owner ? keys.owner(owner) : keys.all;
        const [total, ids] = await Promise.all([redis.zcard(index), redis.zrevrange(index, offset, offset + limit - 1)]);
        return { items: await read(ids), total };
      }),
    due: (now, count) => span("due", () => redis.zrangebyscore(keys.due, "-inf", now, "LIMIT", 0, count)),
    advance: (schedule, expected, after) =>
      span("advance", async () => {
        const now = Date.now();
        const fields: string[] = [];
        if (after.fired) fields.push("lastFireAt", String(after.fired.at), "lastExecutionId", after.fired.executionId, "runCount", "1");
        fields.push("lastError", after.error ?? "");
        const next = after.done || after.next === undefined ? "" : String(after.next);
        const moved = await advanceScript.run(
          redis,
          [keys.schedule(schedule.id), keys.due],
          [schedule.id, String(expected), next, now, after.done ? "done" : "active", ...fields],
        );
        return moved === 1;
      }),
    change: (id, owner, change) =>
      span("change", async () => {
        const now = Date.now();
        const fields = change.settings ? ["doc", JSON.stringify(settingsOf(change.settings))] : [];
        const reply = await changeScript.run(
          redis,
          [keys.schedule(id), keys.due],
          [id, owner ?? "", change.require ?? "", change.status, change.next === undefined ? "" : change.next, now, ...fields],
        );
        if (typeof reply === "string") return { before: reply };
        const wrong = z.tuple([z.string()]).safeParse(reply);
        return wrong.success ? { wrongStatus: wrong.data[0] } : undefined;
      }),
    remove: (id, owner) =>
      span("delete", async () => {
        const schedule = await get(id, owner);
        if (!schedule) return false;
        const removed = await deleteScript.run(
          redis,
          [keys.schedule(id), keys.all, keys.owner(schedule.owner), keys.due],
          [id, owner ?? ""],
        );
        return removed === 1;
      }),
  };
}
