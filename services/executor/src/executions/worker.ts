import type { ExecutionEvent, ExecutionJob, Subjects } from "@switchyard/contracts";
import { finalEventOf, ExecutionJob as JobSchema } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { decodeJson, encodeJson, inServerSpan, type JsMsg, type NatsConnection, publishToStream } from "@switchyard/nats";
import type { Logger, Tracer } from "@switchyard/telemetry";
import type { DoneBody } from "../chat.ts";
import { scrubbedError } from "../redaction.ts";
import type { RunEventBody, RunPublisher } from "../run-publisher.ts";
import type { CallbackSender } from "./callbacks.ts";
import type { ExecutionStore } from "./store.ts";

/** Runs a job's definition with its inputs; events go to the publisher; throws how it failed. */
export type JobRunner = (job: ExecutionJob, publisher: RunPublisher, signal: AbortSignal) => Promise<DoneBody>;

export interface WorkerDeps {
  nats: NatsConnection;
  subjects: Subjects;
  store: ExecutionStore;
  run: JobRunner;
  callbacks: CallbackSender | undefined;
  logger: Logger;
  tracer: Tracer;
  instance: string;
  maxAttempts: number;
  ackWaitMs: number;
  /** Background runs of one definition at once, across every executor (absent: no limit). */
  limits: Readonly<Record<string, number>>;
  backoffMs: readonly number[];
  maxResultBytes: number;
  onRedelivery?(): void;
}

export interface Worker {
  handle(message: JsMsg): Promise<void>;
  /** Aborts the run of this execution if this executor holds it. */
  abort(id: string, reason: AppError): boolean;
  /** Says how a finished execution ended (its final event and callback), from its record. */
  reannounce(id: string): Promise<void>;
  /** Aborts every run it holds (the process is stopping): each goes back on the queue. */
  abortAll(reason: AppError): void;
}

const now = () => new Date().toISOString();

/**
 * One delivered job, start to end: the start transition decides whether it runs at all (a
 * finished execution is acknowledged and nothing runs; spent attempts record
 * `dead_lettered`; a definition at its concurrency limit sends the job back without spending
 * one), the run keeps the delivery alive with in-progress acks, and the finish transition
 * records the one result (a run whose execution was cancelled, or finished by
 * another copy, writes nothing). Retryable failures go back with a delay; the rest are final.
 */
export function createWorker(deps: WorkerDeps): Worker {
  const { nats, subjects, store, logger } = deps;
  const running = new Map<string, AbortController>();

  const publish = (id: string, event: ExecutionEvent) => nats.publish(subjects.executionEvents(id), encodeJson(event));

  /**
   * Tells how an execution ended: its final event, published before the job is acknowledged
   * (on the same connection, so it reaches the server first) and deduplicated by id (a
   * redelivery of a finished job says it again, harmlessly, so a stream never lacks its end
   * when an executor died between the record and the event), then its callback.
   */
  const announce = async (id: string, event: ExecutionEvent, callbackUrl: string | undefined) => {
    publishToStream(nats, subjects.executionEvents(id), encodeJson(event), `${id}:final`);
    if (callbackUrl && deps.callbacks) {
      const record = await store.get(id).catch(() => undefined);
      if (record) deps.callbacks.send(record);
    }
  };
  /** Says again how a finished execution ended, from its record. */
  const reannounce = async (id: string) => {
    const record = await store.get(id).catch(() => undefined);
    if (!record) return;
    await announce(id, finalEventOf(record), record.callbackUrl);
  };

  const publisherFor = (id: string, attempt: number): RunPublisher => ({
    async emit(event: RunEventBody) {
      if (event.type === "done" || event.type === "error") return;
      publish(id, { ...event, at: now(), attempt });
    },
    heartbeat() {},
    close() {},
  });

  async function runOne(message: JsMsg, job: ExecutionJob, attempt: number) {
    const controller = new AbortController();
    running.set(job.id, controller);
    publish(job.id, { type: "status", at: now(), status: "running", attempt, executor: deps.instance });
    logger.debug({ execution: job.id, name: job.name, attempt }, "execution started");
    const limited = (deps.limits[job.name] ?? 0) > 0;
    const alive = setInterval(
      () => {
        message.working();
        if (limited) void store.touch(job, Date.now() + deps.ackWaitMs * 2).catch(() => undefined);
      },
      Math.max(500, Math.floor(deps.ackWaitMs / 3)),
    );
    const deadline = setTimeout(
      // Running out of its own time is how this run ends, not a passing fault: not retried.
      () => controller.abort(new AppError("timeout", `the execution exceeded its deadline of ${job.deadlineMs} ms`, { retryable: false })),
      job.deadlineMs,
    );
    try {
      const done = await deps.run(job, publisherFor(job.id, attempt), controller.signal);
      if (encodeJson(done.outputs).byteLength > deps.maxResultBytes) {
        throw new AppError("payload_too_large", `the result is larger than ${deps.maxResultBytes} bytes`);
      }
      if (await store.finish(job, "succeeded", { result: done.outputs, usage: done.usage })) {
        await announce(job.id, { type: "status", at: now(), status: "succeeded", attempt, result: done.outputs }, job.callbackUrl);
      }
      message.ack();
    } catch (thrown) {
      const reason = controller.signal.aborted && controller.signal.reason instanceof AppError ? controller.signal.reason : thrown;
      const error = scrubbedError(reason);
      if (error.code === "internal") logger.error({ err: thrown, execution: job.id }, "execution failed");
      await settleFailure(message, job, attempt, error);
    } finally {
      clearInterval(alive);
      clearTimeout(deadline);
      running.delete(job.id);
    }
  }

  async function settleFailure(message: JsMsg, job: ExecutionJob, attempt: number, failure: AppError) {
    const error = failure.toWire();
    if (error.code === "cancelled") {
      // The cancel already recorded `cancelled`; this only confirms nothing else is written.
      await store.finish(job, "failed", { error });
      message.ack();
      return;
    }
    // The code's own retryability unless the error says otherwise (the wire form leaves it out then).
    if (failure.retryable && attempt < deps.maxAttempts) {
      if (await store.requeue(job, error)) {
        publish(job.id, { type: "status", at: now(), status: "queued", attempt, error });
        const delay = deps.backoffMs[Math.min(attempt - 1, deps.backoffMs.length - 1)] ?? 1000;
        message.nak(delay);
        return;
      }
      message.ack();
      return;
    }
    if (await store.finish(job, "failed", { error })) {
      await announce(job.id, { type: "status", at: now(), status: "failed", attempt, error }, job.callbackUrl);
    }
    // Not retried: bad input, a failing definition, or retries spent.
    message.term(error.code);
  }

  return {
    reannounce,
    abort(id, reason) {
      const controller = running.get(id);
      controller?.abort(reason);
      return controller !== undefined;
    },
    abortAll(reason) {
      for (const controller of running.values()) controller.abort(reason);
    },
    async handle(message) {
      let job: ExecutionJob;
      try {
        job = decodeJson(JobSchema, message.data);
      } catch {
        logger.error({ seq: message.seq }, "execution queue held a message that is not a job; dropped");
        message.term("not a job");
        return;
      }
      if (message.info.deliveryCount > 1) deps.onRedelivery?.();
      const deadError = new AppError(
        "dead_lettered",
        `the execution ran ${deps.maxAttempts} times and lost its executor (or failed retryably) each time`,
      ).toWire();
      let started: Awaited<ReturnType<ExecutionStore["start"]>>;
      try {
        started = await store.start(job, {
          executor: deps.instance,
          seq: message.seq,
          maxAttempts: deps.maxAttempts,
          deadError,
          limit: deps.limits[job.name] ?? 0,
          leaseUntil: Date.now() + deps.ackWaitMs * 2,
        });
      } catch (error) {
        // The record is out of reach (Redis away): the job comes back, nothing ran.
        logger.warn({ err: error, execution: job.id }, "execution start not recorded; retried");
        message.nak(1000);
        return;
      }
      if (started.verdict === "wait") {
        // Its definition runs as many as it may: back on the queue, nothing ran, no attempt spent.
        message.nak(Math.min(250 * message.info.deliveryCount, 5000) + Math.floor(Math.random() * 250));
        return;
      }
      if (started.verdict === "final") {
        // Finished already (its ack was lost, or it was cancelled while queued): nothing runs.
        await reannounce(job.id);
        message.term("final");
        return;
      }
      if (started.verdict === "busy") {
        // Another copy of the job is running it: this copy is done.
        message.term("busy");
        return;
      }
      if (started.verdict === "dead") {
        const event: ExecutionEvent = { type: "status", at: now(), status: "dead_lettered", attempt: started.attempts };
        await announce(job.id, { ...event, error: deadError }, job.callbackUrl);
        message.term("dead_lettered");
        return;
      }
      // The run continues the trace of the request that submitted it.
      await inServerSpan(deps.tracer, message, subjects.executionJob(job.id), async (span) => {
        span.setAttribute("switchyard.execution", job.id);
        span.setAttribute("switchyard.attempt", started.attempts);
        await runOne(message, job, started.attempts);
      });
    },
  };
}
