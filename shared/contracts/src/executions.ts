import { WireError } from "@switchyard/errors";
import { z } from "zod";
import { KeyId } from "./access.ts";
import { DefinitionKind, DefinitionName } from "./registry.ts";
import { Conversation, DeltaEvent, runLimits, ToolCallEvent, ToolResultEvent } from "./runs.ts";

/** An execution's id: `exe_` and 24 hex digits, so it is also a NATS subject token. */
export const ExecutionId = z.string().regex(/^exe_[0-9a-f]{24}$/, "not an execution id");
export type ExecutionId = z.infer<typeof ExecutionId>;

/**
 * `queued → running → succeeded | failed | cancelled`; `dead_lettered` when the run kept
 * losing its executor until the delivery limit. The last four are final: nothing moves an
 * execution out of them.
 */
export const ExecutionStatus = z.enum(["queued", "running", "succeeded", "failed", "cancelled", "dead_lettered"]);
export type ExecutionStatus = z.infer<typeof ExecutionStatus>;
export const finalStatuses: readonly ExecutionStatus[] = ["succeeded", "failed", "cancelled", "dead_lettered"];

export const executionLimits = {
  /** A client's `Idempotency-Key`. */
  idempotencyKeyChars: 255,
  /** How long an idempotency key names its execution (JetStream's own duplicate window is 2 minutes). */
  idempotencyTtlMs: 24 * 60 * 60 * 1000,
  /** A callback URL. */
  callbackUrlChars: 2048,
  /** A face's notes on an execution (A2A's context and message ids): entries, and characters of each key and value. */
  metaEntries: 8,
  metaKeyChars: 64,
  metaValueChars: 256,
} as const;

/** What a face notes on an execution to answer in its own words later (A2A's ids); never read by a run. */
export const ExecutionMeta = z
  .record(z.string().min(1).max(executionLimits.metaKeyChars), z.string().max(executionLimits.metaValueChars))
  .refine((meta) => Object.keys(meta).length <= executionLimits.metaEntries, `at most ${executionLimits.metaEntries} entries`);

/** What a submission asks for: the run's twin's inputs, and who asked. */
export const ExecutionSubmit = z.object({
  /**
   * Minted by the gateway, so a submission it sends again (the executor that had it was lost
   * before answering) is the same execution: the queue deduplicates by id, the record is made once.
   */
  id: ExecutionId.optional(),
  kind: DefinitionKind,
  name: DefinitionName,
  inputs: z.record(z.string(), z.unknown()),
  /** The key that submits: the execution is its own (lists and reads of other keys do not see it). */
  owner: KeyId,
  idempotencyKey: z.string().min(1).max(executionLimits.idempotencyKeyChars).optional(),
  callbackUrl: z
    .url({ protocol: /^https?$/ })
    .max(executionLimits.callbackUrlChars)
    .optional(),
  deadlineMs: z.number().int().positive().max(runLimits.maxDeadlineMs).optional(),
  /** Set by the scheduler: the schedule that fired it, and the tick it fired for (ISO 8601). */
  scheduleId: z.string().max(64).optional(),
  scheduledFor: z.iso.datetime().optional(),
  conversation: Conversation.optional(),
  meta: ExecutionMeta.optional(),
});
export type ExecutionSubmit = z.infer<typeof ExecutionSubmit>;

/** One execution as it is stored and read. Times are ISO 8601. */
export const Execution = z.object({
  id: ExecutionId,
  kind: DefinitionKind,
  name: DefinitionName,
  status: ExecutionStatus,
  owner: KeyId,
  inputs: z.record(z.string(), z.unknown()),
  /** Runs started (a redelivery after an executor was lost starts another). */
  attempts: z.number().int().min(0),
  /** Times the queue handed the job to an executor. */
  deliveries: z.number().int().min(0),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** The executor instance of the latest attempt. */
  executor: z.string().optional(),
  result: z.record(z.string(), z.unknown()).optional(),
  error: WireError.optional(),
  idempotencyKey: z.string().optional(),
  callbackUrl: z.string().optional(),
  scheduleId: z.string().optional(),
  scheduledFor: z.string().optional(),
  conversation: z.string().optional(),
  meta: z.record(z.string(), z.string()).optional(),
  /** Tokens the run's model calls used. */
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() }).optional(),
});
export type Execution = z.infer<typeof Execution>;

export const SubmitReply = z.object({
  execution: Execution,
  /** An earlier submission with the same idempotency key made it. */
  replayed: z.boolean(),
});
export type SubmitReply = z.infer<typeof SubmitReply>;

/** `owner` narrows to one key's executions (every key but an admin sees only its own). */
export const ExecutionListRequest = z.object({
  owner: KeyId.optional(),
  status: ExecutionStatus.optional(),
  name: DefinitionName.optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).max(1_000_000).default(0),
});
export type ExecutionListRequest = z.infer<typeof ExecutionListRequest>;

export const ExecutionList = z.object({ items: z.array(Execution), total: z.number().int().min(0) });
export type ExecutionList = z.infer<typeof ExecutionList>;

/** One execution, seen by `owner` when given (another key's execution is not found). */
export const ExecutionRef = z.object({ id: ExecutionId, owner: KeyId.optional() });
export type ExecutionRef = z.infer<typeof ExecutionRef>;

/** The latest execution of a definition (or one by id), for AgentSpec's status route. */
export const ExecutionLatestRequest = z.object({ kind: DefinitionKind, name: DefinitionName, owner: KeyId.optional() });

/** What travels on the work queue: everything needed to run it, so a lost record can be rebuilt. */
export const ExecutionJob = z.object({
  id: ExecutionId,
  kind: DefinitionKind,
  name: DefinitionName,
  inputs: z.record(z.string(), z.unknown()),
  owner: KeyId,
  createdAt: z.string(),
  deadlineMs: z.number().int().positive().max(runLimits.maxDeadlineMs),
  callbackUrl: z.string().optional(),
  scheduleId: z.string().optional(),
  scheduledFor: z.string().optional(),
  idempotencyKey: z.string().optional(),
  conversation: Conversation.optional(),
  meta: ExecutionMeta.optional(),
});
export type ExecutionJob = z.infer<typeof ExecutionJob>;

/** What a run's own events carry in an execution's stream instead of a sequence number. */
const runEventFields = { at: z.string(), attempt: z.number().int() };

/**
 * What an execution's event stream carries (JetStream, one subject per execution): each
 * status change, and the run's own events while it runs. `at` is ISO 8601.
 */
export const ExecutionEvent = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("status"),
    at: z.string(),
    status: ExecutionStatus,
    attempt: z.number().int().min(0).optional(),
    executor: z.string().optional(),
    result: z.record(z.string(), z.unknown()).optional(),
    error: WireError.optional(),
  }),
  DeltaEvent.omit({ seq: true }).extend(runEventFields),
  ToolCallEvent.omit({ seq: true }).extend(runEventFields),
  ToolResultEvent.omit({ seq: true }).extend(runEventFields),
]);
export type ExecutionEvent = z.infer<typeof ExecutionEvent>;

/** Told to every executor: whichever runs this execution aborts it. */
export const ExecutionCancelled = z.object({ id: ExecutionId });

/** The final status event an execution's stream ends with, said from its record (by the executor that replays it, or a gateway whose stream lacks it). */
export function finalEventOf(execution: Execution, at = new Date().toISOString()): ExecutionEvent {
  return {
    type: "status",
    at: execution.finishedAt ?? at,
    status: execution.status,
    attempt: execution.attempts,
    ...(execution.result ? { result: execution.result } : {}),
    ...(execution.error ? { error: execution.error } : {}),
  };
}
