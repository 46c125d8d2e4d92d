import { randomUUID } from "node:crypto";
import { endpoints, type RunChat, type RunRequest, runLimits } from "@switchyard/contracts";
import { AppError, fromWire, toAppError } from "@switchyard/errors";
import { type Bus, createTurnPublisher, encodeRequest, traceHeaders } from "@switchyard/nats";
import { createGatewayLink } from "./run-link.ts";
import { type DoneEvent, type EventSink, openRunStream, type RunStream } from "./run-stream.ts";

export type { DoneEvent, EventSink, StreamedEvent } from "./run-stream.ts";

export interface RunOptions {
  deadlineMs: number;
  /** Aborting cancels the run on the executor. */
  signal?: AbortSignal;
  /** Run as a chat turn through the pipeline's chat mapping. */
  chat?: RunChat;
  /** Streams text and tool-call events here, under flow control. */
  stream?: EventSink;
  /** Only run a definition of this kind. */
  kind?: "pipeline" | "agent";
  /** Runs this one is nested in through MCP calls back into a gateway. */
  hops?: number;
  /** Called once the executor took the run, before any event is handed on. */
  onAccepted?(executor: string): void;
  /** Called with the tokens the run used, once it finished. */
  onUsage?(usage: DoneEvent["usage"]): void;
}

export interface RunResult {
  outputs: Record<string, unknown>;
  /** A code pipeline's run: `outputs.result` is the wrapper's return value. */
  returned: boolean;
  chat: DoneEvent["chat"];
  /** Tokens the run's model calls used, when any ran. */
  usage: DoneEvent["usage"];
  executor: string;
}

export interface RunApi {
  /** Runs a deployed definition to its end. */
  run(name: string, inputs: Record<string, unknown>, options: RunOptions): Promise<RunResult>;
  /** Stops reading the run link (at shutdown, once no run is open). */
  close(): void;
}

/** Backoff between tries while executors are at their run limit: 10 ms doubling to 200 ms. */
const busyBackoffMs = { first: 10, max: 200 } as const;

export function createRunApi(bus: Bus, acceptTimeoutMs: number): RunApi {
  const link = createGatewayLink(bus.nats, bus.subjects);
  // Run requests of one loop turn leave in one socket write.
  const requests = createTurnPublisher(bus.nats);
  /**
   * Asks the executors to take a run: the request is published to `sy.exec.run` (queue
   * `executor`) with this run's status subject as its reply, and the answer comes on the
   * gateway's link ahead of the run's events (NATS itself answers "no responders" on the
   * status subject: 503 at once); requests of one loop turn are published together. One at
   * its run limit answers "busy"; the request is tried again (another executor may answer)
   * with backoff until the accept timeout is spent, so short bursts queue briefly instead of
   * failing, and a saturated fleet still answers 503.
   */
  async function accept(request: RunRequest, stream: RunStream, signal: AbortSignal | undefined) {
    const giveUpAt = Date.now() + acceptTimeoutMs;
    const subject = bus.subjects.endpoint(endpoints.execRun);
    const reply = bus.subjects.linkStatus(link.id, request.runId);
    for (let backoff: number = busyBackoffMs.first; ; backoff = Math.min(backoff * 2, busyBackoffMs.max)) {
      const body = encodeRequest(bus, endpoints.execRun, request);
      const answer = stream.reply(Math.max(1, giveUpAt - Date.now()));
      // The run may fail (its client gone) while the request waits for the turn's end, before
      // the answer is awaited below; and when nothing was sent, its timeout must not surface later.
      answer.catch(() => {});
      try {
        await requests.publish(subject, body, { reply, headers: traceHeaders() });
      } catch (error) {
        throw new AppError("unavailable", "the message bus connection is closed", { cause: error });
      }
      const answered = await answer;
      if (answered.type === "accepted") return answered;
      const error = fromWire(answered.error);
      const busy = error.code === "unavailable" && error.details?.busy === true;
      if (!busy || signal?.aborted || Date.now() + backoff >= giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoff));
    }
  }

  return {
    async run(name, inputs, options) {
      const runId = randomUUID();
      const deadlineMs = Math.min(options.deadlineMs, runLimits.maxDeadlineMs);
      const stream = openRunStream(link, { runId, deadlineMs, sink: options.stream });
      let executorLink: string | undefined;
      const onAbort = () => {
        // Before the accept, nobody runs it yet to tell; the accept below tells the one that took it.
        if (executorLink) link.send(executorLink, { runId, type: "cancel" });
        stream.fail(new AppError("cancelled", "the client went away"));
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      try {
        const request: RunRequest = {
          runId,
          name,
          inputs,
          deadlineMs,
          stream: options.stream !== undefined,
          ...(options.chat ? { chat: options.chat } : {}),
          ...(options.kind ? { kind: options.kind } : {}),
          hops: options.hops ?? 0,
          gatewayLink: link.id,
        };
        const accepted = await accept(request, stream, options.signal);
        executorLink = accepted.link;
        if (options.signal?.aborted) link.send(accepted.link, { runId, type: "cancel" });
        const { executor } = accepted;
        options.onAccepted?.(executor);
        stream.accepted(accepted.link);
        const done = await stream.result;
        options.onUsage?.(done.usage);
        return { outputs: done.outputs, returned: done.returned === true, chat: done.chat, usage: done.usage, executor };
      } catch (error) {
        const appError = toAppError(error);
        stream.fail(appError);
        throw appError;
      } finally {
        options.signal?.removeEventListener("abort", onAbort);
        stream.close();
      }
    },
    close: link.close,
  };
}
