import { type OrderedRunEvent, type RunEvent, type RunReply, runLimits } from "@switchyard/contracts";
import { AppError, fromWire } from "@switchyard/errors";
import type { GatewayLink } from "./run-link.ts";

export type StreamedEvent = Extract<OrderedRunEvent, { type: "delta" | "tool_call" | "tool_result" }>;
export type DoneEvent = Extract<OrderedRunEvent, { type: "done" }>;

/** Where a streamed run's events go, under flow control: `onEvent` returns false when the client cannot take more now. */
export interface EventSink {
  onEvent(event: StreamedEvent): boolean;
  /** Resolves when the client can take more again (or left). */
  drained(): Promise<void>;
}

export interface RunStreamOptions {
  runId: string;
  deadlineMs: number;
  /** Streamed events go here; without a sink only the run's end matters. */
  sink?: EventSink | undefined;
}

/** One run's event stream as the gateway reads it. */
export interface RunStream {
  /** Resolves with the `done` event, or rejects with the run's error (or the stream's). */
  readonly result: Promise<DoneEvent>;
  /** The next answer to a request for this run, or `timeout` after `timeoutMs`. */
  reply(timeoutMs: number): Promise<RunReply>;
  /** The executor at `executorLink` took the run: events held back are handed on, the watchdog and the credit heartbeat start. */
  accepted(executorLink: string): void;
  /** Ends the stream with this error, if it has not ended. */
  fail(error: AppError): void;
  /** Stops listening: subscriptions and timers. */
  close(): void;
}

/**
 * Reads the run's events from the gateway's link, registered before the run is requested so
 * no event can be missed. Checks that `seq` has no gaps; holds events that overtake the accept reply
 * until `accepted()` (a window's worth, then the executor is misbehaving); fails when the
 * executor goes silent for the heartbeat timeout or the run passes its deadline (+1 s); and
 * for streams grants credit as the sink takes events, half a window ahead, repeating the
 * grant every heartbeat so the executor knows this gateway is still there.
 */
export function openRunStream(link: GatewayLink, options: RunStreamOptions): RunStream {
  const { runId, sink } = options;
  const window = runLimits.creditWindow;
  let settle: { resolve(done: DoneEvent): void; reject(error: AppError): void } | undefined;
  const result = new Promise<DoneEvent>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Awaited only once accepted; a failure before that is reported by whoever requested the run.
  result.catch(() => {});
  let expectedSeq = 0;
  let finished = false;
  let isAccepted = false;
  let granted = window;
  let waitingForDrain = false;
  let watchdog: NodeJS.Timeout | undefined;
  let lastEventAt = 0;
  let executorLink: string | undefined;
  let stopGranting: (() => void) | undefined;
  const early: OrderedRunEvent[] = [];

  const finish = (outcome: AppError | DoneEvent) => {
    if (finished) return;
    finished = true;
    if (outcome instanceof AppError) settle?.reject(outcome);
    else settle?.resolve(outcome);
  };
  // One timer per run, armed for when the silence would reach the timeout and re-armed from
  // the last event when it fires early: no timer work per event.
  const watch = () => {
    const silentMs = Date.now() - lastEventAt;
    if (silentMs < runLimits.heartbeatTimeoutMs) {
      watchdog = setTimeout(watch, runLimits.heartbeatTimeoutMs - silentMs + 1);
      return;
    }
    finish(new AppError("unavailable", "the executor running this request stopped answering"));
  };
  const grant = () => {
    if (waitingForDrain || finished || !executorLink || expectedSeq + window / 2 < granted) return;
    granted = expectedSeq + window;
    link.send(executorLink, { runId, type: "credit", upTo: granted });
  };
  const handle = (event: OrderedRunEvent) => {
    if (event.type === "done") return finish(event);
    if (event.type === "error") return finish(fromWire(event.error));
    if (!sink) return;
    const more = sink.onEvent(event);
    if (!more && !waitingForDrain) {
      waitingForDrain = true;
      void sink.drained().then(() => {
        waitingForDrain = false;
        grant();
      });
    }
    grant();
  };

  const onEvent = (event: RunEvent) => {
    if (finished) return;
    if (isAccepted) lastEventAt = Date.now();
    if (event.type === "heartbeat") return;
    if (event.seq !== expectedSeq) {
      return finish(new AppError("internal", `run events were lost (expected #${expectedSeq}, got #${event.seq})`));
    }
    expectedSeq += 1;
    // Events that overtake the accept reply wait for it, so the caller sees accept first.
    if (isAccepted) handle(event);
    else if (early.length < window + 2) early.push(event);
    else finish(new AppError("internal", "the executor sent more events than it was granted"));
  };
  // The executor's fault, never the client's: not a 400 naming an internal field.
  const onMalformed = () => finish(new AppError("internal", "the executor sent a malformed run event"));
  let waiting: ((reply: RunReply) => void) | undefined;
  const onReply = (reply: RunReply) => {
    const waiter = waiting;
    waiting = undefined;
    waiter?.(reply);
  };
  const unlink = link.open(runId, { onEvent, onReply, onMalformed });
  const deadline = setTimeout(
    () => finish(new AppError("timeout", `the run did not finish within ${options.deadlineMs} ms`)),
    options.deadlineMs + 1000,
  );

  return {
    result,
    reply(timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting = undefined;
          reject(new AppError("timeout", "executor did not answer in time"));
        }, timeoutMs);
        waiting = (reply) => {
          clearTimeout(timer);
          resolve(reply);
        };
      });
    },
    accepted(accepted) {
      isAccepted = true;
      executorLink = accepted;
      if (sink) stopGranting = link.keepGranting(runId, accepted, () => granted);
      lastEventAt = Date.now();
      if (!finished) watch();
      for (const event of early.splice(0)) if (!finished) handle(event);
    },
    fail: finish,
    close() {
      clearTimeout(deadline);
      clearTimeout(watchdog);
      stopGranting?.();
      unlink();
    },
  };
}
