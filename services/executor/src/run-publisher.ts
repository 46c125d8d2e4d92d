import { type OrderedRunEvent, RunCredit, type RunEvent, runLimits, type Subjects } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { decodeJson, type NatsConnection, publishJson } from "@switchyard/nats";

type Unsequenced<E> = E extends { seq: number } ? Omit<E, "seq"> : never;
export type RunEventBody = Unsequenced<OrderedRunEvent>;

export interface RunPublisher {
  /**
   * Publishes the next event with the next sequence number. With flow control, resolves
   * only once the gateway has granted credit for it, so a slow client pauses the run.
   */
  emit(event: RunEventBody): Promise<void>;
  heartbeat(): void;
  close(): void;
}

export interface RunPublisherOptions {
  runId: string;
  /** Wait for credit (streamed runs); otherwise events go out at once. */
  flowControl: boolean;
  signal: AbortSignal;
  /**
   * With flow control: called once when no credit message came for `runLimits.heartbeatTimeoutMs`,
   * paused or not. The gateway repeats its grant every heartbeat while its client is connected,
   * so that silence means the gateway or the connection is gone; the run should stop (abort).
   */
  onStalled?: (reason: AppError) => void;
}

/** Events of one run on its events subject, numbered from 0 with no gaps. */
export function createRunPublisher(nats: NatsConnection, subjects: Subjects, options: RunPublisherOptions): RunPublisher {
  const subject = subjects.run(options.runId, "events");
  let seq = 0;
  let granted: number = runLimits.creditWindow;
  // The gateway repeats its grant every heartbeat while its client is connected; silence means
  // the gateway (or the connection to it) is gone, and the run stops instead of waiting for its deadline.
  let lastCreditAt = Date.now();
  const stalled = () => new AppError("unavailable", "the gateway streaming this run stopped answering");
  let waiting: (() => void) | undefined;
  const wake = () => {
    waiting?.();
    waiting = undefined;
  };
  const credit = options.flowControl
    ? nats.subscribe(subjects.run(options.runId, "credit"), {
        callback: (error, message) => {
          if (error) return;
          try {
            granted = Math.max(granted, decodeJson(RunCredit, message.data).upTo);
          } catch {
            return;
          }
          lastCreditAt = Date.now();
          wake();
        },
      })
    : undefined;
  options.signal.addEventListener("abort", wake, { once: true });
  // One timer per streamed run, armed for when the silence would reach the timeout and re-armed
  // from the last credit when it fires early: no timer work per credit message.
  let watchdog: NodeJS.Timeout | undefined;
  const watch = () => {
    const silentMs = Date.now() - lastCreditAt;
    if (silentMs <= runLimits.heartbeatTimeoutMs) {
      watchdog = setTimeout(watch, runLimits.heartbeatTimeoutMs - silentMs + 1);
      watchdog.unref();
      return;
    }
    watchdog = undefined;
    if (!options.signal.aborted) options.onStalled?.(stalled());
  };
  if (credit && options.onStalled) watch();

  return {
    async emit(event) {
      // Terminal events always go out: the gateway must hear how the run ended.
      const terminal = event.type === "done" || event.type === "error";
      while (credit && !terminal && seq >= granted && !options.signal.aborted) {
        if (Date.now() - lastCreditAt > runLimits.heartbeatTimeoutMs) {
          throw stalled();
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, runLimits.heartbeatMs);
          waiting = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      if (!terminal) options.signal.throwIfAborted();
      publishJson(nats, subject, { ...event, seq } as RunEvent, false);
      seq += 1;
    },
    heartbeat() {
      publishJson(nats, subject, { type: "heartbeat" } satisfies RunEvent, false);
    },
    close() {
      clearTimeout(watchdog);
      credit?.unsubscribe();
      options.signal.removeEventListener("abort", wake);
    },
  };
}
