import { ExecutionEvent, finalStatuses, parseJsonOrUndefined, type Subjects } from "@switchyard/contracts";
import { DeliverPolicy, jetstream, type NatsConnection } from "@switchyard/nats";

export interface FollowOptions {
  /** Resume after this stream sequence (an SSE client's `Last-Event-ID`); from the start without it. */
  after?: number;
  signal: AbortSignal;
  /** One event and its stream sequence (the SSE id); resolves when the writer may take the next. */
  onEvent(seq: number, event: ExecutionEvent): Promise<void> | void;
  /** Nothing arrived for a while: time for a keep-alive. */
  onIdle?(): void;
  /**
   * After a quiet spell: the execution's final event from its record when it has ended but its
   * stream does not say so (a backstop: executors store the final event before they acknowledge).
   */
  finalFromRecord?(): Promise<ExecutionEvent | undefined>;
}

const decoder = new TextDecoder();

/**
 * Follows one execution's events: replayed from JetStream from the start (or after a
 * sequence), then live, in order, through an ordered consumer filtered to the execution's
 * subject. Ends after a final status event, or when the signal aborts.
 */
export async function followExecutionEvents(nats: NatsConnection, subjects: Subjects, id: string, options: FollowOptions): Promise<void> {
  const js = jetstream(nats);
  const consumer = await js.consumers.get(subjects.stream("execution_events"), {
    // One subject as a string: nats-server before 2.10 takes no list.
    filter_subjects: subjects.executionEvents(id),
    ...(options.after === undefined
      ? { deliver_policy: DeliverPolicy.All }
      : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: options.after + 1 }),
  });
  const messages = await consumer.consume({ max_messages: 64 });
  const stop = () => void messages.close();
  options.signal.addEventListener("abort", stop, { once: true });
  let quiet = 0;
  let ended: ExecutionEvent | undefined;
  const idle = setInterval(() => {
    quiet += 1;
    if (quiet % 3 === 0) options.onIdle?.();
    if (quiet % 2 === 0 && options.finalFromRecord) {
      void options
        .finalFromRecord()
        .then((event) => {
          if (!event || ended) return;
          ended = event;
          void messages.close();
        })
        .catch(() => undefined);
    }
  }, 5000);
  try {
    for await (const message of messages) {
      quiet = 0;
      const event = parseJsonOrUndefined(ExecutionEvent, decoder.decode(message.data));
      if (!event) continue;
      await options.onEvent(message.seq, event);
      if (event.type === "status" && finalStatuses.includes(event.status)) {
        ended = undefined;
        break;
      }
      if (options.signal.aborted) break;
    }
  } finally {
    clearInterval(idle);
    options.signal.removeEventListener("abort", stop);
    await messages.close();
  }
  if (ended && !options.signal.aborted) await options.onEvent(0, ended);
}

/** Events held for a pulling reader before the follower waits for it. */
const pulledBuffer = 64;

/**
 * The same events for a reader that pulls (A2A's streams): ends after the final status event,
 * when the signal aborts, or when the reader stops; at most `pulledBuffer` wait unread.
 */
export async function* pullExecutionEvents(
  nats: NatsConnection,
  subjects: Subjects,
  id: string,
  options: Omit<FollowOptions, "onEvent">,
): AsyncGenerator<ExecutionEvent, void, undefined> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  options.signal.addEventListener("abort", stop, { once: true });
  const buffer: ExecutionEvent[] = [];
  let wake: (() => void) | undefined;
  let room: (() => void) | undefined;
  let finished = false;
  let failure: unknown;
  const following = followExecutionEvents(nats, subjects, id, {
    ...options,
    signal: controller.signal,
    onEvent: async (_seq, event) => {
      buffer.push(event);
      wake?.();
      if (buffer.length >= pulledBuffer && !controller.signal.aborted) {
        await new Promise<void>((resolve) => {
          room = resolve;
        });
      }
    },
  })
    .catch((error: unknown) => {
      failure = error;
    })
    .finally(() => {
      finished = true;
      wake?.();
    });
  try {
    for (;;) {
      const event = buffer.shift();
      if (event) {
        room?.();
        room = undefined;
        yield event;
        continue;
      }
      if (finished) {
        if (failure !== undefined) throw failure;
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    controller.abort();
    room?.();
    options.signal.removeEventListener("abort", stop);
    await following;
  }
}
