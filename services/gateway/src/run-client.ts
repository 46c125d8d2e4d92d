import { randomUUID } from "node:crypto";
import {
  type OrderedRunEvent,
  PingReply,
  RunAccepted,
  type RunChat,
  type RunCredit,
  RunEvent,
  type RunRequest,
  runLimits,
  type Subjects,
} from "@switchyard/contracts";
import { AppError, fromWire, toAppError } from "@switchyard/errors";
import { decodeJson, type NatsConnection, publishJson, requestJson } from "@switchyard/nats";

export type StreamedEvent = Extract<OrderedRunEvent, { type: "delta" | "tool_call" | "tool_result" }>;
export type DoneEvent = Extract<OrderedRunEvent, { type: "done" }>;

export interface RunOptions {
  deadlineMs: number;
  /** Aborting cancels the run on the executor. */
  signal?: AbortSignal;
  /** Run as a chat turn through the pipeline's chat mapping. */
  chat?: RunChat;
  /**
   * Streams text and tool-call events to this handler, under flow control: return false
   * when the client cannot take more now; `drained` then says when it can.
   */
  stream?: { onEvent(event: StreamedEvent): boolean; drained(): Promise<void> };
  /** Only run a definition of this kind. */
  kind?: "pipeline" | "agent";
  /** Called once the executor took the run, before any event is handed on. */
  onAccepted?(executor: string): void;
}

export interface RunResult {
  outputs: Record<string, unknown>;
  chat: DoneEvent["chat"];
  executor: string;
}

export interface RunApi {
  /** Runs a deployed pipeline to its end. */
  run(name: string, inputs: Record<string, unknown>, options: RunOptions): Promise<RunResult>;
  pingExecutor(timeoutMs: number): Promise<PingReply>;
}

/** Backoff between tries while executors are at their run limit: 10 ms doubling to 200 ms. */
const busyBackoffMs = { first: 10, max: 200 } as const;

export function createRunApi(nats: NatsConnection, subjects: Subjects, acceptTimeoutMs: number): RunApi {
  /**
   * Asks the executors to take a run. One at its run limit answers "busy"; the request is
   * tried again (another executor may answer) with backoff until the accept timeout is spent,
   * so short bursts queue briefly instead of failing, and a saturated fleet still answers 503.
   */
  async function accept(request: RunRequest, signal: AbortSignal | undefined) {
    const giveUpAt = Date.now() + acceptTimeoutMs;
    for (let backoff: number = busyBackoffMs.first; ; backoff = Math.min(backoff * 2, busyBackoffMs.max)) {
      try {
        return await requestJson(nats, subjects.request("execRun"), request, RunAccepted, {
          timeoutMs: acceptTimeoutMs,
          service: "executor",
        });
      } catch (error) {
        const busy = error instanceof AppError && error.code === "unavailable" && error.details?.busy === true;
        if (!busy || signal?.aborted || Date.now() + backoff >= giveUpAt) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoff));
      }
    }
  }

  return {
    pingExecutor: (timeoutMs) => requestJson(nats, subjects.request("execPing"), {}, PingReply, { timeoutMs, service: "executor" }),

    async run(name, inputs, options) {
      const runId = randomUUID();
      const deadlineMs = Math.min(options.deadlineMs, runLimits.maxDeadlineMs);
      const window = runLimits.creditWindow;
      let settle: { resolve(done: DoneEvent): void; reject(error: AppError): void } | undefined;
      const result = new Promise<DoneEvent>((resolve, reject) => {
        settle = { resolve, reject };
      });
      // Awaited only once accepted; a failure before that is thrown from the catch below.
      result.catch(() => {});
      let expectedSeq = 0;
      let finished = false;
      let accepted = false;
      let granted = window;
      let waitingForDrain = false;
      let watchdog: NodeJS.Timeout | undefined;
      let keepGranting: NodeJS.Timeout | undefined;
      const early: OrderedRunEvent[] = [];

      const finish = (outcome: AppError | DoneEvent) => {
        if (finished) return;
        finished = true;
        if (outcome instanceof AppError) settle?.reject(outcome);
        else settle?.resolve(outcome);
      };
      const armWatchdog = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(
          () => finish(new AppError("unavailable", "the executor running this request stopped answering")),
          runLimits.heartbeatTimeoutMs,
        );
      };
      // Credit is granted as the client takes events: half a window before the executor would stall.
      const grant = () => {
        if (waitingForDrain || finished || expectedSeq + window / 2 < granted) return;
        granted = expectedSeq + window;
        publishJson(nats, subjects.run(runId, "credit"), { upTo: granted } satisfies RunCredit, false);
      };
      const handle = (event: OrderedRunEvent) => {
        if (event.type === "done") return finish(event);
        if (event.type === "error") return finish(fromWire(event.error));
        if (!options.stream) return;
        const more = options.stream.onEvent(event);
        if (!more && !waitingForDrain) {
          waitingForDrain = true;
          void options.stream.drained().then(() => {
            waitingForDrain = false;
            grant();
          });
        }
        grant();
      };

      // Subscribe before asking, so no event can arrive before we listen.
      const subscription = nats.subscribe(subjects.run(runId, "events"), {
        callback: (error, message) => {
          if (error || finished) return;
          let event: RunEvent;
          try {
            event = decodeJson(RunEvent, message.data);
          } catch (parseError) {
            return finish(toAppError(parseError));
          }
          if (accepted) armWatchdog();
          if (event.type === "heartbeat") return;
          if (event.seq !== expectedSeq) {
            return finish(new AppError("internal", `run events were lost (expected #${expectedSeq}, got #${event.seq})`));
          }
          expectedSeq += 1;
          // Events that overtake the accept reply wait for it, so the caller sees accept first.
          if (accepted) handle(event);
          else if (early.length < window + 2) early.push(event);
          else finish(new AppError("internal", "the executor sent more events than it was granted"));
        },
      });
      const deadline = setTimeout(
        () => finish(new AppError("timeout", `the run did not finish within ${deadlineMs} ms`)),
        deadlineMs + 1000,
      );
      const onAbort = () => {
        publishJson(nats, subjects.run(runId, "cancel"), {});
        finish(new AppError("cancelled", "the client went away"));
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      try {
        const { executor } = await accept(
          {
            runId,
            name,
            inputs,
            deadlineMs,
            stream: options.stream !== undefined,
            ...(options.chat ? { chat: options.chat } : {}),
            ...(options.kind ? { kind: options.kind } : {}),
          },
          options.signal,
        );
        accepted = true;
        options.onAccepted?.(executor);
        // Repeating the grant tells the executor this gateway (and its client) is still there.
        if (options.stream) {
          keepGranting = setInterval(
            () => publishJson(nats, subjects.run(runId, "credit"), { upTo: granted } satisfies RunCredit, false),
            runLimits.heartbeatMs,
          );
        }
        if (!finished) armWatchdog();
        for (const event of early.splice(0)) if (!finished) handle(event);
        const done = await result;
        return { outputs: done.outputs, chat: done.chat, executor };
      } catch (error) {
        finish(toAppError(error));
        throw toAppError(error);
      } finally {
        clearTimeout(deadline);
        clearTimeout(watchdog);
        clearInterval(keepGranting);
        options.signal?.removeEventListener("abort", onAbort);
        subscription.unsubscribe();
      }
    },
  };
}
