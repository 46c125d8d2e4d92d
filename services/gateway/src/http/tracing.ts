import { randomUUID } from "node:crypto";
import { SpanKind, type Tracer, withRemoteParent } from "@switchyard/telemetry";
import type { RequestHandler } from "express";

/**
 * Starts one server span per request under the caller's `traceparent`, and gives every
 * request an id (`x-request-id`, kept when the client sends a sane one) and AgentSpec's
 * `x-correlation-id` (the client's, else the request id).
 */
export function tracingMiddleware(tracer: Tracer): RequestHandler {
  return (request, response, next) => {
    const sent = request.header("x-request-id");
    const requestId = sent && /^[\w.-]{1,128}$/.test(sent) ? sent : randomUUID();
    response.setHeader("x-request-id", requestId);
    // AgentSpec's correlation id: the client's, kept when sane, else this request's id.
    const correlation = request.header("x-correlation-id");
    response.setHeader("x-correlation-id", correlation && /^[\w.:-]{1,128}$/.test(correlation) ? correlation : requestId);
    withRemoteParent({ get: (key) => request.header(key), set: () => {} }, () => {
      tracer.startActiveSpan(
        `HTTP ${request.method}`,
        { kind: SpanKind.SERVER, attributes: { "http.request.method": request.method, "request.id": requestId } },
        (span) => {
          response.once("close", () => {
            span.setAttribute("http.response.status_code", response.statusCode);
            span.setAttribute("http.route", request.route?.path ?? request.path);
            span.end();
          });
          next();
        },
      );
    });
  };
}
