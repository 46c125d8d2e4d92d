import { endpoints, LinkId, parseJsonOrUndefined, RunId, RunRequest } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { type Bus, inServerSpan, outgoingError } from "@switchyard/nats";
import type { Logger, Tracer } from "@switchyard/telemetry";
import { z } from "zod";
import type { ExecutorLink } from "./run-link.ts";

export interface RunRequestsOptions {
  bus: Bus;
  link: ExecutorLink;
  logger: Logger;
  tracer: Tracer;
  /**
   * Takes one request: sends `accepted` on the link itself (ahead of any event of the run) and
   * starts the run, or throws the refusal.
   */
  accept(request: RunRequest): Promise<void>;
  /** Requests being decided at once; past it, `unavailable` at once. */
  maxInFlight?: number;
}

/** What a request must name for its refusal to reach the gateway, even when the rest is malformed. */
const ReplyTarget = z.looseObject({ runId: RunId, gatewayLink: LinkId });
const decoder = new TextDecoder();

/**
 * Serves `sy.exec.run` (queue `executor`). There is no NATS reply: the answer, `accepted` or
 * `refused` with the error, goes to the asking gateway's link, in the same batch stream as
 * the run's events, so it costs no message of its own and always comes before them. Each
 * request is decided under the caller's trace context; refusals leave with secrets scrubbed.
 * A request naming no run and gateway cannot be answered and is dropped (the gateway's
 * accept times out).
 */
export function serveRunRequests(options: RunRequestsOptions): { unsubscribe(): void } {
  const { bus, link, logger, tracer } = options;
  const subject = bus.subjects.endpoint(endpoints.execRun);
  const maxInFlight = options.maxInFlight ?? 256;
  let inFlight = 0;

  const refuse = (gatewayLink: string, runId: string, error: unknown) => {
    const wire = outgoingError(error, logger, { subject, runId });
    link.emit(gatewayLink, runId, { type: "refused", error: wire });
    return wire;
  };

  return bus.nats.subscribe(subject, {
    queue: endpoints.execRun.queue ?? "executor",
    callback: (error, message) => {
      if (error) {
        logger.error({ err: error, subject }, "subscription failed");
        return;
      }
      const value = parseJsonOrUndefined(z.unknown(), decoder.decode(message.data));
      const request = RunRequest.safeParse(value);
      if (!request.success) {
        const target = ReplyTarget.safeParse(value);
        if (target.success) refuse(target.data.gatewayLink, target.data.runId, request.error);
        return;
      }
      const { gatewayLink, runId } = request.data;
      if (inFlight >= maxInFlight) {
        refuse(gatewayLink, runId, new AppError("unavailable", "too many requests in flight"));
        return;
      }
      inFlight += 1;
      void inServerSpan(tracer, message, subject, async (span) => {
        try {
          await options.accept(request.data);
        } catch (refusal) {
          span.setAttribute("error.code", refuse(gatewayLink, runId, refusal).code);
        }
      }).finally(() => {
        inFlight -= 1;
      });
    },
  });
}
