import { type OrderedRunEvent, type RunEvent, runLimits } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { ExecutorLink } from "./run-link.ts";

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
  /** The asking gateway's link id: where the events go. */
  gatewayLink: string;
  /** Wait for credit (streamed runs); otherwise events go out at once. */
  flowControl: boolean;
  signal: AbortSignal;
  /**
   * With flow control: called once when no credit message came for `runLimits.heartbeatTimeoutMs`,
   * paused or not. The gateway repeats its grant every heartbeat while its client is connected,
   * so that silence means the gateway or the connection is gone; the run should stop (abort).
   */
  onStalled?: (reason: AppError) => void;
  /** The gateway cancelled the run. */
  onCancel?: () => void;
}

/**
 * Events of one run, numbered from 0 with no gaps, to its gateway over the link; heartbeats
 * every `runLimits.heartbeatMs` while it is open (the link's timer); credit from the link.
 */
export function createRunPublisher(link: ExecutorLink, options: RunPublisherOptions): RunPublisher {
  const { runId, gatewayLink } = options;
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
  const credit = options.flowControl;
  const heartbeat = () => link.emit(gatewayLink, runId, { type: "heartbeat" });
  const unlink = link.open(runId, {
    onCredit(upTo) {
      if (!credit) return;
      granted = Math.max(granted, upTo);
      lastCreditAt = Date.now();
      wake();
    },
    onCancel: () => options.onCancel?.(),
    onHeartbeat: heartbeat,
  });
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
      link.emit(gatewayLink, runId, { ...event, seq } as RunEvent);
      seq += 1;
    },
    heartbeat,
    close() {
      clearTimeout(watchdog);
      unlink();
      options.signal.removeEventListener("abort", wake);
    },
  };
}
