import { JetStreamApiError, type JetStreamManager, jetstreamManager, type StreamConfig } from "@nats-io/jetstream";
import { headers, type NatsConnection } from "@nats-io/transport-node";
import { AppError } from "@switchyard/errors";

export {
  AckPolicy,
  type Consumer,
  type ConsumerConfig,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";

/** JetStream durations are nanoseconds. */
export const nanos = (milliseconds: number): number => Math.round(milliseconds * 1_000_000);

/** Creates the stream, or brings an existing one's limits to this config (its subjects and retention must match). */
export async function ensureStream(manager: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await manager.streams.info(config.name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === 10059) {
      await manager.streams.add(config);
      return;
    }
    throw error;
  }
  await manager.streams.update(config.name, config);
}

/** A JetStream manager, retried until the server answers (a service starting beside a restarting NATS). */
export async function connectJetStream(connection: NatsConnection, attempts = 20): Promise<JetStreamManager> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await jetstreamManager(connection, { timeout: 5000 });
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 1000)));
    }
  }
}

/**
 * What a failed JetStream publish means to a caller: a stream at its bound (DiscardNew) is
 * `queue_full`, nothing stored; anything else is the broker unavailable (retryable).
 */
export function publishFailure(error: unknown, what: string): AppError {
  const text = error instanceof Error ? error.message : String(error);
  if (/maximum (messages|bytes)|resource limits exceeded/i.test(text)) {
    return new AppError("queue_full", `the ${what} is full; nothing was queued, try again later`);
  }
  if (error instanceof JetStreamApiError && /message size exceeds/i.test(text)) {
    return new AppError("payload_too_large", `the ${what} takes no message this large`);
  }
  return new AppError("unavailable", `the ${what} is not reachable: ${text.slice(0, 200)}`);
}

/**
 * A publish into a stream without waiting for its acknowledgement, deduplicated by `msgId`
 * (`Nats-Msg-Id`) within the stream's window. What one connection publishes reaches the
 * server in order, so anything published after it (an ack) arrives after it.
 */
export function publishToStream(connection: NatsConnection, subject: string, data: Uint8Array, msgId: string): void {
  const header = headers();
  header.set("Nats-Msg-Id", msgId);
  connection.publish(subject, data, { headers: header });
}
