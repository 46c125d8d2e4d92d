import { createHash } from "node:crypto";
import {
  Execution,
  type ExecutionJob,
  type ExecutionListRequest,
  ExecutionStatus,
  executionLimits,
  parseJsonValue,
} from "@switchyard/contracts";
import { AppError, type WireError } from "@switchyard/errors";
import type { Redis } from "@switchyard/redis";
import { type Tracer, withSpan } from "@switchyard/telemetry";
import { z } from "zod";
import {
  cancelScript,
  createScript,
  finishScript,
  pageScript,
  requeueScript,
  reserveScript,
  startScript,
  sweepScript,
  touchScript,
} from "./store-lua.ts";

const prefix = "sy:executions:";
const keys = {
  record: (id: string) => `${prefix}x:${id}`,
  all: `${prefix}index:all`,
  owner: (owner: string) => `${prefix}index:owner:${owner}`,
  /** Names are unique across kinds (one registry hash), so the index is by name. */
  definition: (name: string) => `${prefix}index:def:${name}`,
  statusPrefix: `${prefix}index:status:`,
  status: (status: string) => `${prefix}index:status:${status}`,
  finished: `${prefix}finished`,
  slots: (name: string) => `${prefix}slots:${name}`,
  idempotency: (owner: string, key: string) => `${prefix}idem:${owner}:${createHash("sha256").update(key).digest("hex")}`,
  scratch: () => `${prefix}scratch:${Math.random().toString(36).slice(2)}`,
};

const StartVerdict = z.enum(["run", "final", "busy", "wait", "dead"]);
export type StartVerdict = z.infer<typeof StartVerdict>;
const StoredHash = z.record(z.string(), z.string());

export interface ExecutionStore {
  /** Holds an idempotency key for `id`; returns the id already holding it (and whether the body matched) when taken. */
  reserve(owner: string, key: string, id: string, bodyHash: string): Promise<{ id: string; created: boolean; sameBody: boolean }>;
  create(job: ExecutionJob): Promise<boolean>;
  /**
   * A delivery: runs it (`run`), or says why not. `maxAttempts` runs started make it
   * `dead_lettered` with `deadError`; `limit` running at once per definition (0: none), each
   * holding its slot until `leaseUntil` unless touched.
   */
  start(
    job: ExecutionJob,
    delivery: { executor: string; seq: number; maxAttempts: number; deadError: WireError; limit: number; leaseUntil: number },
  ): Promise<{ verdict: StartVerdict; status: ExecutionStatus; attempts: number }>;
  /** Extends a running execution's slot lease (a limited definition). */
  touch(job: Pick<ExecutionJob, "id" | "name">, leaseUntil: number): Promise<void>;
  /** Records how a running execution ended; false when it was not running (nothing written). */
  finish(
    job: Pick<ExecutionJob, "id" | "createdAt" | "owner" | "kind" | "name">,
    status: "succeeded" | "failed",
    outcome: { result?: unknown; error?: WireError; usage?: unknown },
  ): Promise<boolean>;
  requeue(job: Pick<ExecutionJob, "id" | "createdAt" | "owner" | "kind" | "name">, error: WireError): Promise<boolean>;
  /** The status before, or undefined when the execution is not the owner's (or does not exist). */
  cancel(id: string, owner: string | undefined): Promise<ExecutionStatus | undefined>;
  get(id: string, owner?: string): Promise<Execution | undefined>;
  list(request: ExecutionListRequest): Promise<{ items: Execution[]; total: number }>;
  /** Forgets finished executions past the retention or the cap; returns their ids. */
  sweep(retentionMs: number, maxRecords: number): Promise<string[]>;
}

/** The JSON-valued fields of a record. */
const jsonFields = new Set(["inputs", "result", "error", "usage", "meta"]);
const numberFields = new Set(["attempts", "deliveries"]);
const timeFields = new Set(["createdAt", "startedAt", "finishedAt"]);

function recordKeys(job: Pick<ExecutionJob, "id" | "owner" | "name">): string[] {
  return [
    keys.record(job.id),
    keys.all,
    keys.owner(job.owner),
    keys.definition(job.name),
    keys.statusPrefix,
    keys.finished,
    keys.slots(job.name),
  ];
}

function jobFields(job: ExecutionJob): string[] {
  const fields: string[] = ["id", job.id, "kind", job.kind, "name", job.name, "owner", job.owner];
  fields.push("createdAt", String(Date.parse(job.createdAt)), "inputs", JSON.stringify(job.inputs));
  if (job.idempotencyKey) fields.push("idempotencyKey", job.idempotencyKey);
  if (job.callbackUrl) fields.push("callbackUrl", job.callbackUrl);
  if (job.scheduleId) fields.push("scheduleId", job.scheduleId);
  if (job.scheduledFor) fields.push("scheduledFor", job.scheduledFor);
  if (job.conversation) fields.push("conversation", job.conversation);
  if (job.meta) fields.push("meta", JSON.stringify(job.meta));
  return fields;
}

/** A stored hash as the wire record. */
function readRecord(flat: Record<string, string>): Execution | undefined {
  if (!flat.id) return undefined;
  const value: Record<string, unknown> = {};
  for (const [field, text] of Object.entries(flat)) {
    if (field === "seq") continue;
    if (jsonFields.has(field))
      value[field] = parseJsonValue(text, () => new AppError("internal", `execution field '${field}' is not JSON`));
    else if (numberFields.has(field)) value[field] = Number(text);
    else if (timeFields.has(field)) value[field] = new Date(Number(text)).toISOString();
    else value[field] = text;
  }
  return Execution.parse(value);
}

export function createExecutionStore(redis: Redis, tracer: Tracer): ExecutionStore {
  const span = <T>(operation: string, work: () => Promise<T>) =>
    withSpan(tracer, `redis executions.${operation}`, { "db.system": "redis", "db.operation": operation }, work);

  const read = async (ids: readonly string[]) => {
    if (ids.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hgetall(keys.record(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies.flatMap(([, flat]) => {
      const parsed = StoredHash.safeParse(flat);
      const record = readRecord(parsed.success ? parsed.data : {});
      return record ? [record] : [];
    });
  };

  return {
    reserve: (owner, key, id, bodyHash) =>
      span("reserve", async () => {
        const reply = await reserveScript.run(redis, [keys.idempotency(owner, key)], [id, bodyHash, executionLimits.idempotencyTtlMs]);
        const [heldId, heldHash, created] = z.tuple([z.string(), z.string(), z.coerce.number()]).parse(reply);
        return { id: heldId, created: created === 1, sameBody: heldHash === bodyHash };
      }),
    create: (job) =>
      span("create", async () => {
        const created = await createScript.run(redis, recordKeys(job), [job.id, Date.parse(job.createdAt), ...jobFields(job)]);
        return created === 1;
      }),
    start: (job, delivery) =>
      span("start", async () => {
        const reply = await startScript.run(redis, recordKeys(job), [
          job.id,
          Date.parse(job.createdAt),
          Date.now(),
          delivery.executor,
          delivery.seq,
          delivery.maxAttempts,
          JSON.stringify(delivery.deadError),
          delivery.limit,
          delivery.leaseUntil,
          ...jobFields(job),
        ]);
        const [verdict, status, attempts] = z.tuple([StartVerdict, ExecutionStatus, z.coerce.number()]).parse(reply);
        return { verdict, status, attempts };
      }),
    finish: (job, status, outcome) =>
      span("finish", async () => {
        const fields: string[] = [];
        if (outcome.result !== undefined) fields.push("result", JSON.stringify(outcome.result));
        if (outcome.error !== undefined) fields.push("error", JSON.stringify(outcome.error));
        if (outcome.usage !== undefined) fields.push("usage", JSON.stringify(outcome.usage));
        const before = await finishScript.run(redis, recordKeys(job), [job.id, Date.parse(job.createdAt), Date.now(), status, ...fields]);
        return before === "running" || (before === "queued" && status === "failed");
      }),
    touch: (job, leaseUntil) =>
      span("touch", async () => {
        await touchScript.run(redis, [keys.slots(job.name)], [job.id, leaseUntil]);
      }),
    requeue: (job, error) =>
      span("requeue", async () => {
        const before = await requeueScript.run(redis, recordKeys(job), [job.id, Date.parse(job.createdAt), JSON.stringify(error)]);
        return before === "running";
      }),
    cancel: (id, owner) =>
      span("cancel", async () => {
        // Only what names the record's keys; the script checks owner and status itself.
        const [recordOwner, name] = await redis.hmget(keys.record(id), "owner", "name");
        if (!recordOwner || !name) return undefined;
        const job = { id, owner: recordOwner, name };
        const error = new AppError("cancelled", "the execution was cancelled").toWire();
        const before = await cancelScript.run(redis, recordKeys(job), [id, owner ?? "", Date.now(), JSON.stringify(error)]);
        const status = ExecutionStatus.safeParse(before);
        return status.success ? status.data : undefined;
      }),
    get: (id, owner) =>
      span("get", async () => {
        const [record] = await read([id]);
        return record && (owner === undefined || record.owner === owner) ? record : undefined;
      }),
    list: (request) =>
      span("list", async () => {
        const sources = [request.owner ? keys.owner(request.owner) : keys.all];
        if (request.name) sources.push(keys.definition(request.name));
        if (request.status) sources.push(keys.status(request.status));
        const reply = await pageScript.run(redis, [keys.scratch(), ...sources], [request.offset, request.limit]);
        const [total, ...ids] = z.tuple([z.number()], z.string()).parse(reply);
        return { items: await read(ids), total };
      }),
    sweep: (retentionMs, maxRecords) =>
      span("sweep", async () => {
        const removed = await sweepScript.run(redis, [keys.finished, prefix], [Date.now() - retentionMs, maxRecords, 500]);
        return z.array(z.string()).parse(removed);
      }),
  };
}
