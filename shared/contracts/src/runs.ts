import { WireError } from "@switchyard/errors";
import { z } from "zod";
import { DefinitionName } from "./registry.ts";

export const RunId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);

/** Bounds shared by the gateway and the executors. */
export const runLimits = {
  /** Longest a run may be asked to take. */
  maxDeadlineMs: 15 * 60 * 1000,
  /** An executor heartbeats this often while a run is open. */
  heartbeatMs: 1000,
  /** The gateway gives up on a run after this long without any event. */
  heartbeatTimeoutMs: 3500,
} as const;

export const RunRequest = z.object({
  runId: RunId,
  name: DefinitionName,
  inputs: z.record(z.string(), z.unknown()),
  deadlineMs: z.number().int().positive().max(runLimits.maxDeadlineMs),
});
export type RunRequest = z.infer<typeof RunRequest>;

export const RunAccepted = z.object({ runId: RunId, executor: z.string() });
export type RunAccepted = z.infer<typeof RunAccepted>;

const Seq = z.number().int().min(0);

/** Ordered events of one run on `<prefix>.run.<runId>.events`. `seq` starts at 0 and has no gaps. */
export const RunEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("delta"), seq: Seq, component: z.string(), text: z.string() }),
  z.object({ type: z.literal("done"), seq: Seq, outputs: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal("error"), seq: Seq, error: WireError }),
  /** Liveness only: not part of the ordered stream, so it carries no `seq`. */
  z.object({ type: z.literal("heartbeat") }),
]);
export type RunEvent = z.infer<typeof RunEvent>;
export type OrderedRunEvent = Exclude<RunEvent, { type: "heartbeat" }>;
