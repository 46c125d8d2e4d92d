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
