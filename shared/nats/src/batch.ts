import type { NatsConnection } from "@nats-io/transport-node";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What a batch carries at most, in bytes; an item larger than this goes alone (NATS caps a message at 1 MiB). */
export const batchBytes = 64 * 1024;
/** Items one batch may carry; a batch with more is refused whole. */
export const batchItems = 4096;

export interface Batcher {
  /** Queues one item (JSON text) for `subject`; it goes out, in order, by the end of this turn of the event loop. */
  push(subject: string, json: string): void;
  /** Publishes whatever is queued now. */
  flush(): void;
}

/**
 * Coalesces messages for the same subject into one `{"items":[…]}` message: whatever is pushed
 * during one turn of the event loop is published together just after it (`setImmediate`), so
 * a quiet link adds no delay and a busy one sends one message where it would send dozens.
 * A batch is published early when it reaches `batchBytes` or `batchItems`; items keep their
 * order per subject.
 */
export function createBatcher(nats: NatsConnection): Batcher {
  const pending = new Map<string, { items: string[]; bytes: number }>();
  let scheduled: NodeJS.Immediate | undefined;

  const publish = (subject: string, items: string[]) => {
    nats.publish(subject, encoder.encode(`{"items":[${items.join(",")}]}`));
  };
  const flush = () => {
    scheduled = undefined;
    for (const [subject, queue] of pending) publish(subject, queue.items);
    pending.clear();
  };

  return {
    push(subject, json) {
      let queue = pending.get(subject);
      if (queue && (queue.bytes + json.length > batchBytes || queue.items.length >= batchItems)) {
        publish(subject, queue.items);
        pending.delete(subject);
        queue = undefined;
      }
      if (!queue) {
        queue = { items: [], bytes: 0 };
        pending.set(subject, queue);
      }
      queue.items.push(json);
      queue.bytes += json.length + 1;
      scheduled ??= setImmediate(flush);
    },
    flush() {
      clearImmediate(scheduled);
      flush();
    },
  };
}

/**
 * The items of a batch, unchecked (each is validated by whoever reads it), or undefined when
 * the message is not a batch.
 */
export function decodeBatch(data: Uint8Array): unknown[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || !("items" in value)) return undefined;
  const items: unknown = value.items;
  return Array.isArray(items) && items.length <= batchItems ? items : undefined;
}

type PublishOptions = NonNullable<Parameters<NatsConnection["publish"]>[2]>;

export interface TurnPublisher {
  /**
   * Publishes at the end of this turn of the event loop, together with whatever else was
   * published through this publisher meanwhile (one socket write for all of them). Resolves
   * once handed to the client; rejects when the connection refused it (closed).
   */
  publish(subject: string, data: Uint8Array, options?: PublishOptions): Promise<void>;
}

/** Messages one turn may hold before they go out at once. */
const turnMessages = 1024;

/**
 * Defers publishes to `setImmediate`. The NATS client writes whatever it holds once the
 * current callback ends, so requests answered in separate I/O callbacks of one loop turn
 * (HTTP requests read together) would each cost a write to the socket and a wake-up of the
 * server; through this they cost one. A quiet connection waits for nothing but the turn's end.
 */
export function createTurnPublisher(nats: NatsConnection): TurnPublisher {
  type Queued = { subject: string; data: Uint8Array; options: PublishOptions | undefined; resolve(): void; reject(error: unknown): void };
  let queued: Queued[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  const flush = () => {
    scheduled = undefined;
    const batch = queued;
    queued = [];
    for (const message of batch) {
      try {
        nats.publish(message.subject, message.data, message.options);
        message.resolve();
      } catch (error) {
        message.reject(error);
      }
    }
  };
  return {
    publish(subject, data, options) {
      return new Promise<void>((resolve, reject) => {
        queued.push({ subject, data, options, resolve, reject });
        if (queued.length >= turnMessages) {
          clearImmediate(scheduled);
          flush();
        } else scheduled ??= setImmediate(flush);
      });
    },
  };
}
