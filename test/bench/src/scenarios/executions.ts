import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { connectNats } from "@switchyard/nats";
import { Queue, QueueEvents } from "bullmq";
import type { BenchContext } from "../options.ts";
import { percentile, round, sleep } from "../stats.ts";

/** Scenario 8: background executions of a no-op pipeline, submission to `succeeded`, against BullMQ on the same Redis. */
export interface ExecutionsArm {
  name: "switchyard" | "bullmq";
  completed: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

export interface ExecutionsResult {
  concurrency: number;
  segments: number;
  measureMs: number;
  arms: ExecutionsArm[];
}

type Runner = () => Promise<void>;

/** A closed loop of `concurrency` clients for `ms`; latencies of the jobs that finished in the window. */
async function closedLoop(concurrency: number, ms: number, runOne: Runner) {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        try {
          await runOne();
          latencies.push(performance.now() - started);
        } catch {
          errors += 1;
          await sleep(10);
        }
      }
    }),
  );
  return { latencies, errors };
}

/**
 * Waiters for completion by id, fed by one listener (as BullMQ's QueueEvents is one listener).
 * A completion heard before its waiter (a no-op can finish before its submission's answer is
 * read) is kept until the waiter comes.
 */
function waiters() {
  const pending = new Map<string, { resolve(): void; reject(error: Error): void; timer: NodeJS.Timeout }>();
  const early = new Map<string, boolean>();
  return {
    wait(id: string, timeoutMs = 30_000) {
      const failed = early.get(id);
      if (failed !== undefined) {
        early.delete(id);
        return failed ? Promise.reject(new Error(`${id} failed`)) : Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${id} did not finish in ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
      });
    },
    done(id: string, failed = false) {
      const entry = pending.get(id);
      if (!entry) {
        if (early.size < 100_000) early.set(id, failed);
        return;
      }
      pending.delete(id);
      clearTimeout(entry.timer);
      if (failed) entry.reject(new Error(`${id} failed`));
      else entry.resolve();
    },
  };
}

/**
 * Switchyard: `POST /v1/pipelines/bench-noop/runs` (202), then the `succeeded` event of the
 * execution, heard on its JetStream subject through one NATS subscription for all of them.
 */
async function switchyardArm(context: BenchContext) {
  const nats = await connectNats({ url: context.system.infra.natsUrl, name: "bench-executions" });
  const done = waiters();
  const decoder = new TextDecoder();
  nats.subscribe("sy.executions.events.*", {
    callback: (_error, message) => {
      const text = decoder.decode(message.data);
      if (!text.includes('"status":"succeeded"') && !text.includes('"status":"failed"')) return;
      done.done(message.subject.slice("sy.executions.events.".length), text.includes('"status":"failed"'));
    },
  });
  await nats.flush();
  const url = `${context.system.url()}/v1/pipelines/bench-noop/runs`;
  const headers = { "content-type": "application/json", "x-api-key": context.system.adminKey };
  const run: Runner = async () => {
    const response = await fetch(url, { method: "POST", headers, body: '{"name":"bench"}' });
    if (response.status !== 202) throw new Error(`submission answered ${response.status}`);
    const { id } = (await response.json()) as { id: string };
    await done.wait(id);
  };
  return { run, stop: () => nats.close() };
}

/** BullMQ: `queue.add` from this process, one worker process with the same concurrency, `QueueEvents` for completions. */
async function bullmqArm(context: BenchContext, concurrency: number) {
  const { hostname, port } = new URL(context.system.infra.redisUrl);
  const connection = { host: hostname, port: Number(port), maxRetriesPerRequest: null };
  const queueName = "bench-noop";
  const worker: ChildProcess = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      fileURLToPath(new URL("../bullmq-worker.ts", import.meta.url)),
      context.system.infra.redisUrl,
      queueName,
      String(concurrency),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: worker.stdout ?? process.stdin });
    lines.once("line", () => resolve());
    worker.once("exit", (code) => reject(new Error(`the BullMQ worker exited with ${code}`)));
  });
  const queue = new Queue(queueName, { connection, prefix: "bench-bullmq" });
  const events = new QueueEvents(queueName, { connection, prefix: "bench-bullmq" });
  await events.waitUntilReady();
  const done = waiters();
  events.on("completed", ({ jobId }) => done.done(jobId));
  events.on("failed", ({ jobId }) => done.done(jobId, true));
  const run: Runner = async () => {
    const job = await queue.add("noop", { name: "bench" }, { removeOnComplete: true, removeOnFail: true });
    if (!job.id) throw new Error("BullMQ gave no job id");
    await done.wait(job.id);
  };
  const stop = async () => {
    await events.close();
    await queue.close();
    worker.kill("SIGTERM");
  };
  return { run, stop, pid: worker.pid };
}

export async function runExecutions(context: BenchContext): Promise<ExecutionsResult> {
  const { concurrency, segments, warmMs, measureMs } = context.settings.executions;
  const switchyard = await switchyardArm(context);
  const bullmq = await bullmqArm(context, concurrency);
  const pooled: Record<ExecutionsArm["name"], { latencies: number[]; errors: number; ms: number }> = {
    switchyard: { latencies: [], errors: 0, ms: 0 },
    bullmq: { latencies: [], errors: 0, ms: 0 },
  };
  try {
    const arms = [
      ["switchyard", switchyard.run],
      ["bullmq", bullmq.run],
    ] as const;
    for (const [, run] of arms) await closedLoop(concurrency, warmMs, run);
    // Interleaved, the order alternating, so drift in the machine's load falls on both.
    for (let segment = 0; segment < segments; segment += 1) {
      for (const [name, run] of segment % 2 === 0 ? arms : [...arms].reverse()) {
        const measured = await closedLoop(concurrency, measureMs, run);
        pooled[name].latencies.push(...measured.latencies);
        pooled[name].errors += measured.errors;
        pooled[name].ms += measureMs;
      }
    }
  } finally {
    await switchyard.stop();
    await bullmq.stop();
  }
  const result = (name: ExecutionsArm["name"]): ExecutionsArm => {
    const { latencies, errors, ms } = pooled[name];
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      name,
      completed: sorted.length,
      perSecond: round((sorted.length / ms) * 1000, 1),
      p50Ms: round(percentile(sorted, 50), 2),
      p99Ms: round(percentile(sorted, 99), 2),
      errors,
    };
  };
  const arms = [result("switchyard"), result("bullmq")];
  for (const arm of arms) {
    context.log(
      `   ${arm.name.padEnd(10)} ${String(arm.perSecond).padStart(8)} executions/s  p50 ${arm.p50Ms} ms  p99 ${arm.p99Ms} ms  errors ${arm.errors}`,
    );
  }
  return { concurrency, segments, measureMs, arms };
}
