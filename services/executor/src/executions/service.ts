import { createHash, randomBytes } from "node:crypto";
import {
  type Execution,
  ExecutionCancelled,
  type ExecutionEvent,
  type ExecutionJob,
  type ExecutionSubmit,
  endpoints,
  finalStatuses,
} from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { type Bus, connectJetStream, decodeJson, encodeJson, jetstream, publishJson, publishToStream, serve } from "@switchyard/nats";
import type { Redis } from "@switchyard/redis";
import type { Logger, Tracer } from "@switchyard/telemetry";
import type { CallbackSender } from "./callbacks.ts";
import { consumerName, enqueue, ensureQueue, pullJobs, type QueueSettings } from "./queue.ts";
import { createExecutionStore } from "./store.ts";
import { createWorker, type JobRunner } from "./worker.ts";

export interface ExecutionsDeps {
  bus: Bus;
  redis: Redis;
  logger: Logger;
  tracer: Tracer;
  instance: string;
  /** Checks a submission against its definition (throws what a run would be refused with); runs nothing. */
  check(job: ExecutionJob): Promise<void>;
  run: JobRunner;
  callbacks: CallbackSender | undefined;
  /** A job came again (its executor went silent, or it was sent back): for the metrics. */
  onRedelivery?(): void;
  settings: QueueSettings & {
    concurrency: number;
    backoffMs: readonly number[];
    deadlineMs: number;
    maxRecords: number;
    maxResultBytes: number;
    limits: Readonly<Record<string, number>>;
  };
}

export interface ExecutionsService {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The shared queue as JetStream counts it: jobs waiting for an executor, and jobs delivered but not yet acked. */
  queueState(): Promise<{ waiting: number; inProgress: number }>;
}

const newId = () => `exe_${randomBytes(12).toString("hex")}`;
const bodyHash = (request: ExecutionSubmit) =>
  createHash("sha256")
    .update(JSON.stringify([request.kind, request.name, request.inputs, request.callbackUrl ?? null, request.deadlineMs ?? null]))
    .digest("hex");

/** The record a submission answers with before any executor has it. */
function queuedView(job: ExecutionJob): Execution {
  return {
    id: job.id,
    kind: job.kind,
    name: job.name,
    status: "queued",
    owner: job.owner,
    inputs: job.inputs,
    attempts: 0,
    deliveries: 0,
    createdAt: job.createdAt,
    ...(job.idempotencyKey ? { idempotencyKey: job.idempotencyKey } : {}),
    ...(job.callbackUrl ? { callbackUrl: job.callbackUrl } : {}),
    ...(job.scheduleId ? { scheduleId: job.scheduleId } : {}),
    ...(job.scheduledFor ? { scheduledFor: job.scheduledFor } : {}),
    ...(job.conversation ? { conversation: job.conversation } : {}),
    ...(job.meta ? { meta: job.meta } : {}),
  };
}

/**
 * Background executions, served by every executor: the NATS endpoints (submit, list, get,
 * latest, cancel), the shared pull consumer feeding this executor's slots, the cancel
 * broadcast, and the retention sweep.
 */
export function createExecutionsService(deps: ExecutionsDeps): ExecutionsService {
  const { bus, logger, tracer, settings } = deps;
  const { nats, subjects } = bus;
  const store = createExecutionStore(deps.redis, tracer);
  const js = jetstream(nats);
  const worker = createWorker({
    nats,
    subjects,
    store,
    run: deps.run,
    callbacks: deps.callbacks,
    logger,
    tracer,
    instance: deps.instance,
    maxAttempts: settings.maxAttempts,
    ackWaitMs: settings.ackWaitMs,
    limits: settings.limits,
    backoffMs: settings.backoffMs,
    maxResultBytes: settings.maxResultBytes,
    ...(deps.onRedelivery ? { onRedelivery: deps.onRedelivery } : {}),
  });
  const subscriptions: { unsubscribe(): void }[] = [];
  let puller: { stop(): Promise<void> } | undefined;
  let sweeper: NodeJS.Timeout | undefined;

  const notFound = (id: string) => new AppError("not_found", `execution '${id}' does not exist`);

  /**
   * Queues the job: its first event and the job itself (both deduplicated by id for two
   * minutes, so a submission sent again adds neither twice), then the record (unless the
   * executor that took the job made it first). Answers the execution as submitted: queued.
   */
  async function queue(job: ExecutionJob): Promise<Execution> {
    const queued: ExecutionEvent = { type: "status", at: job.createdAt, status: "queued", attempt: 0 };
    publishToStream(nats, subjects.executionEvents(job.id), encodeJson(queued), `${job.id}:queued`);
    await enqueue(js, subjects, job);
    await store.create(job);
    return queuedView(job);
  }

  async function submit(request: ExecutionSubmit) {
    if (request.callbackUrl) {
      if (!deps.callbacks) {
        throw new AppError("invalid_request", "callbacks are off: the executors have no EXECUTIONS_CALLBACK_SECRET to sign them with", {
          param: "callback_url",
        });
      }
      await deps.callbacks.check(request.callbackUrl);
    }
    const job: ExecutionJob = {
      id: request.id ?? newId(),
      kind: request.kind,
      name: request.name,
      inputs: request.inputs,
      owner: request.owner,
      createdAt: new Date().toISOString(),
      deadlineMs: request.deadlineMs ?? settings.deadlineMs,
      ...(request.callbackUrl ? { callbackUrl: request.callbackUrl } : {}),
      ...(request.scheduleId ? { scheduleId: request.scheduleId } : {}),
      ...(request.scheduledFor ? { scheduledFor: request.scheduledFor } : {}),
      ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
      ...(request.conversation ? { conversation: request.conversation } : {}),
      ...(request.meta ? { meta: request.meta } : {}),
    };
    await deps.check(job);
    if (request.idempotencyKey) {
      const held = await store.reserve(request.owner, request.idempotencyKey, job.id, bodyHash(request));
      // Held by this very id: the gateway sending the same submission again.
      if (!held.created && held.id !== job.id) {
        if (!held.sameBody) {
          throw new AppError("conflict", "this Idempotency-Key was used with a different request in the last 24 hours", {
            param: "Idempotency-Key",
          });
        }
        const existing = await store.get(held.id);
        if (existing) return { execution: existing, replayed: true };
        // The first submission was still being queued (or died doing it): finish queueing it under its id.
        await queue({ ...job, id: held.id });
        return { execution: (await store.get(held.id)) ?? queuedView({ ...job, id: held.id }), replayed: true };
      }
    }
    return { execution: await queue(job), replayed: false };
  }

  async function cancel(id: string, owner: string | undefined) {
    const before = await store.cancel(id, owner);
    if (before === undefined) throw notFound(id);
    if (!finalStatuses.includes(before)) {
      await worker.reannounce(id);
      // Whichever executor runs it aborts it (its provider calls are closed); a queued one is dropped when delivered.
      if (before === "running") {
        if (!worker.abort(id, new AppError("cancelled", "the execution was cancelled"))) {
          await publishJson(nats, subjects.event("executionCancelled"), { id });
        }
      }
    }
    const record = await store.get(id);
    if (!record) throw notFound(id);
    return record;
  }

  const sweep = async () => {
    try {
      const removed = await store.sweep(settings.retentionMs, settings.maxRecords);
      const manager = removed.length > 0 ? await connectJetStream(nats, 1) : undefined;
      for (const id of removed) {
        await manager?.streams.purge(subjects.stream("execution_events"), { filter: subjects.executionEvents(id) }).catch(() => undefined);
      }
    } catch (error) {
      logger.warn({ err: error }, "execution retention sweep failed");
    }
  };

  return {
    async queueState() {
      const info = await (await connectJetStream(nats)).consumers.info(subjects.stream("executions"), consumerName);
      return { waiting: info.num_pending, inProgress: info.num_ack_pending };
    },
    async start() {
      await ensureQueue(await connectJetStream(nats), subjects, settings);
      const options = { logger, tracer };
      subscriptions.push(
        serve(bus, endpoints.executionSubmit, submit, options),
        serve(bus, endpoints.executionList, (request) => store.list(request), options),
        serve(
          bus,
          endpoints.executionGet,
          async ({ id, owner }) => {
            const record = await store.get(id, owner);
            if (!record) throw notFound(id);
            return record;
          },
          options,
        ),
        serve(
          bus,
          endpoints.executionLatest,
          async ({ kind, name, owner }) => {
            const { items } = await store.list({ name, owner, limit: 1, offset: 0 });
            const latest = items[0];
            if (!latest || latest.kind !== kind) throw new AppError("not_found", `${kind} '${name}' has no executions`);
            return latest;
          },
          options,
        ),
        serve(bus, endpoints.executionCancel, ({ id, owner }) => cancel(id, owner), options),
        nats.subscribe(subjects.event("executionCancelled"), {
          callback: (error, message) => {
            if (error) return;
            try {
              worker.abort(decodeJson(ExecutionCancelled, message.data).id, new AppError("cancelled", "the execution was cancelled"));
            } catch {
              // Not a cancel message: nothing to abort.
            }
          },
        }),
      );
      if (settings.concurrency > 0) puller = pullJobs(nats, subjects, { concurrency: settings.concurrency, handle: worker.handle, logger });
      sweeper = setInterval(() => void sweep(), 60_000);
      sweeper.unref();
    },
    async stop() {
      clearInterval(sweeper);
      for (const subscription of subscriptions) subscription.unsubscribe();
      const stopping = puller?.stop();
      // Runs still going after a grace period go back on the queue for another executor.
      const grace = setTimeout(() => worker.abortAll(new AppError("unavailable", "the executor running it stopped")), 5000);
      await stopping;
      clearTimeout(grace);
      await deps.callbacks?.close();
    },
  };
}
