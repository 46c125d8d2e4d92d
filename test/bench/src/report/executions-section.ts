import type { Results } from "../results.ts";
import { num, table, thousands } from "./format.ts";

/** Section 9 of BENCHMARKS.md: background executions of a no-op pipeline, against BullMQ on the same Redis. */
export function executionsSection(results: Results): string {
  const executions = results.scenarios.executions;
  if (!executions) return "Not measured in this run.";
  const rows = executions.arms.map((arm) => [
    arm.name === "switchyard" ? "Switchyard (HTTP submit, JetStream queue, Redis record)" : "BullMQ (queue.add, one worker process)",
    thousands(arm.perSecond),
    num(arm.p50Ms),
    num(arm.p99Ms),
    arm.completed,
    arm.errors,
  ]);
  const [ours, theirs] = executions.arms;
  const ratio = ours && theirs && theirs.perSecond > 0 ? ours.perSecond / theirs.perSecond : undefined;
  return [
    `${executions.concurrency} clients in a closed loop, each submitting a no-op job and waiting for it to finish, ${executions.segments} segments of ${executions.measureMs / 1000} s per arm, interleaved. ` +
      "Switchyard: `POST /v1/pipelines/bench-noop/runs` through the gateway (202), one executor with 64 background slots, completion heard on the " +
      "execution's JetStream event subject through one NATS subscription. BullMQ (from npm) on the same Redis: `queue.add` from the load generator, one " +
      "worker process with concurrency 64 doing the same work, completion from one `QueueEvents`. Each latency is submission to finished.",
    "",
    table(["arm", "executions/s", "p50 (ms)", "p99 (ms)", "finished", "errors"], rows),
    "",
    ratio === undefined
      ? ""
      : `Switchyard runs ×${num(ratio, 2)} BullMQ's rate here. What it does per execution that BullMQ does not: an HTTP request through the ` +
        "gateway (authentication, the key's limits, a NATS request to an executor), the definition and input checks before anything is queued, " +
        "a JetStream publish acknowledged from file storage, three compare-and-set scripts on the Redis record (create, start, finish) and " +
        "three events on the execution's stream; what it gives for that: durable queueing across NATS restarts, any number of executors and " +
        "gateways, redeliveries counted with one recorded result, cancel, SSE events and per-key ownership.",
  ].join("\n");
}
