import { randomBytes } from "node:crypto";
import { PingReply, RunAccepted, RunEvent, runLimits, type Subjects } from "@switchyard/contracts";
import { AppError, fromWire, toAppError } from "@switchyard/errors";
import { decodeJson, type NatsConnection, publishJson, requestJson } from "@switchyard/nats";

export interface RunOptions {
  deadlineMs: number;
  /** Aborting cancels the run on the executor. */
  signal?: AbortSignal;
  onDelta?(component: string, text: string): void;
}

export interface RunApi {
  /** Runs a deployed pipeline to its end and returns its outputs and which executor ran it. */
  run(name: string, inputs: Record<string, unknown>, options: RunOptions): Promise<RunResult>;
  pingExecutor(timeoutMs: number): Promise<PingReply>;
}

export interface RunResult {
  outputs: Record<string, unknown>;
  executor: string;
}

/** Tries when every executor that answered was at its run limit. */
const busyRetries = 2;

export function createRunApi(nats: NatsConnection, subjects: Subjects, acceptTimeoutMs: number): RunApi {
  async function accept(request: { runId: string; name: string; inputs: Record<string, unknown>; deadlineMs: number }) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await requestJson(nats, subjects.request("execRun"), request, RunAccepted, {
          timeoutMs: acceptTimeoutMs,
          service: "executor",
        });
      } catch (error) {
        const busy = error instanceof AppError && error.code === "unavailable" && error.message.includes("run limit");
        if (!busy || attempt >= busyRetries) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20 * (attempt + 1)));
      }
    }
  }

  return {
    pingExecutor: (timeoutMs) => requestJson(nats, subjects.request("execPing"), {}, PingReply, { timeoutMs, service: "executor" }),

    async run(name, inputs, options) {
      const runId = randomBytes(12).toString("base64url");
      const deadlineMs = Math.min(options.deadlineMs, runLimits.maxDeadlineMs);
      let settle: { resolve(outputs: Record<string, unknown>): void; reject(error: AppError): void } | undefined;
      const result = new Promise<Record<string, unknown>>((resolve, reject) => {
        settle = { resolve, reject };
      });
      // Awaited only once accepted; a failure before that is thrown from the catch below.
      result.catch(() => {});
      let expectedSeq = 0;
      let finished = false;
      let accepted = false;
      let watchdog: NodeJS.Timeout | undefined;
      const armWatchdog = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(
          () => finish(new AppError("unavailable", "the executor running this request stopped answering")),
          runLimits.heartbeatTimeoutMs,
        );
      };
      const finish = (outcome: AppError | Record<string, unknown>) => {
        if (finished) return;
        finished = true;
        if (outcome instanceof AppError) settle?.reject(outcome);
        else settle?.resolve(outcome);
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
          if (event.type === "delta") options.onDelta?.(event.component, event.text);
          else if (event.type === "done") finish(event.outputs);
          else finish(fromWire(event.error));
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
        const { executor } = await accept({ runId, name, inputs, deadlineMs });
        accepted = true;
        if (!finished) armWatchdog();
        return { outputs: await result, executor };
      } catch (error) {
        finish(toAppError(error));
        throw toAppError(error);
      } finally {
        clearTimeout(deadline);
        clearTimeout(watchdog);
        options.signal?.removeEventListener("abort", onAbort);
        subscription.unsubscribe();
      }
    },
  };
}
