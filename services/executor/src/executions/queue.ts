import type { ExecutionJob, Subjects } from "@switchyard/contracts";
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  encodeJson,
  ensureStream,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  type NatsConnection,
  nanos,
  publishFailure,
  RetentionPolicy,
  StorageType,
  traceHeaders,
} from "@switchyard/nats";
import type { Logger } from "@switchyard/telemetry";

export interface QueueSettings {
  maxJobs: number;
  maxBytes: number;
  ackWaitMs: number;
  /** Runs one execution may start (the record counts them); the delivery after the last records `dead_lettered`. */
  maxAttempts: number;
  retentionMs: number;
}

/** The durable pull consumer every executor shares. */
export const consumerName = "executors";
/** Deliveries of one job at most (see the consumer below). */
export const maxDeliveries = 100_000;
/** Events kept per execution (the oldest go first past it). */
export const eventsPerExecution = 10_000;

/**
 * The work queue: a work-queue stream on file storage, bounded, DiscardNew (a full queue
 * refuses the publish instead of dropping a job nobody ran), deduplicated by execution id;
 * one durable pull consumer with explicit acks, an ack wait and a delivery bound; the
 * executors' naks wait before retries (backoff) and the record counts the runs started. Beside it, the events stream: one subject per execution, kept for the
 * retention. Both are made or brought to these settings at start (any executor may).
 */
export async function ensureQueue(manager: JetStreamManager, subjects: Subjects, settings: QueueSettings): Promise<void> {
  await ensureStream(manager, {
    name: subjects.stream("executions"),
    subjects: [subjects.executionJob()],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    max_msgs: settings.maxJobs,
    max_bytes: settings.maxBytes,
    max_msg_size: 1024 * 1024,
    discard: DiscardPolicy.New,
    duplicate_window: nanos(120_000),
  });
  await ensureStream(manager, {
    name: subjects.stream("execution_events"),
    subjects: [subjects.executionEvents()],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(settings.retentionMs),
    max_msgs_per_subject: eventsPerExecution,
    max_bytes: 1024 * 1024 * 1024,
    discard: DiscardPolicy.Old,
  });
  // A job whose executor went silent for the ack wait goes to another; a run that is alive says
  // so with in-progress acks. No consumer-level backoff: nats-server (2.9) applies it to naks
  // too, over any delay given, so a job waiting for its definition's slot would be sent back
  // ever later; the waits between retries are the executors' naks (EXECUTIONS_BACKOFF_MS).
  const config = {
    durable_name: consumerName,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(settings.ackWaitMs),
    // Deliveries are not what is limited: a job sent back because its definition is at its
    // concurrency limit ran nothing. The record counts runs started (EXECUTIONS_MAX_ATTEMPTS);
    // this bound only keeps a job from cycling for ever (waits grow to 5 s: about a week).
    max_deliver: maxDeliveries,
    max_ack_pending: 100_000,
    max_waiting: 4096,
  };
  const stream = subjects.stream("executions");
  try {
    await manager.consumers.info(stream, consumerName);
    await manager.consumers.update(stream, consumerName, config);
  } catch {
    await manager.consumers.add(stream, config);
  }
}

/** Puts a job on the queue (deduplicated by its id for two minutes); a refusal says why. */
export async function enqueue(js: JetStreamClient, subjects: Subjects, job: ExecutionJob): Promise<void> {
  try {
    // The submission's trace context rides along: the run continues the submitter's trace.
    await js.publish(subjects.executionJob(job.id), encodeJson(job), { msgID: job.id, timeout: 5000, headers: traceHeaders() });
  } catch (error) {
    throw publishFailure(error, "execution queue");
  }
}

export interface PullOptions {
  concurrency: number;
  /** Runs one delivered job to its end (ack, nak or term included). */
  handle(message: JsMsg): Promise<void>;
  logger: Logger;
}

/**
 * Takes jobs only as slots free up: each fetch asks for the free slots, so no job waits in
 * this process unstarted (a killed executor holds nothing but what it was running). A fetch
 * that fails (NATS away, the consumer being made) is tried again with backoff, forever, until stop.
 */
export function pullJobs(nats: NatsConnection, subjects: Subjects, options: PullOptions): { stop(): Promise<void> } {
  const js = jetstream(nats);
  let active = 0;
  let reserved = 0;
  let stopped = false;
  let wake: (() => void) | undefined;
  const signal = () => {
    wake?.();
    wake = undefined;
  };
  const running = new Set<Promise<void>>();

  /** One fetch of up to `slot.left` jobs; `slot.left` counts down as they arrive. */
  const fetchOnce = async (slot: { left: number }) => {
    const consumer = await js.consumers.get(subjects.stream("executions"), consumerName);
    const messages = await consumer.fetch({ max_messages: slot.left, expires: 1000 });
    // A fetch cut off by a lost connection may never end by itself: its slots would stay reserved.
    const watchdog = setTimeout(() => void messages.close(), 6000);
    try {
      for await (const message of messages) {
        slot.left -= 1;
        reserved -= 1;
        active += 1;
        const run = options
          .handle(message)
          .catch((error: unknown) => options.logger.error({ err: error }, "execution handling failed"))
          .finally(() => {
            active -= 1;
            running.delete(run);
            signal();
          });
        running.add(run);
        if (stopped) break;
      }
    } finally {
      clearTimeout(watchdog);
    }
  };

  const loop = async () => {
    let failures = 0;
    const fetches = new Set<Promise<void>>();
    while (!stopped) {
      const free = options.concurrency - active - reserved;
      // Another fetch while one is open only for a fair share of slots, so a trickle of jobs does not open many.
      if (free <= 0 || (fetches.size > 0 && free < Math.max(1, options.concurrency / 4))) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 250);
        });
        continue;
      }
      reserved += free;
      const slot = { left: free };
      const fetch = fetchOnce(slot)
        .then(() => {
          failures = 0;
        })
        .catch((error: unknown) => {
          failures += 1;
          if (failures === 1 || failures % 20 === 0) options.logger.warn({ err: error, failures }, "execution queue fetch failed");
          return new Promise<void>((resolve) => setTimeout(resolve, Math.min(100 * failures, 2000)));
        })
        .finally(() => {
          // The slots this fetch did not fill come back when it ends.
          reserved -= slot.left;
          fetches.delete(fetch);
          signal();
        });
      fetches.add(fetch);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await Promise.allSettled([...fetches]);
  };

  const looping = loop();
  return {
    async stop() {
      stopped = true;
      signal();
      await looping;
      await Promise.allSettled([...running]);
    },
  };
}
