import { toAppError } from "@switchyard/errors";
import { boundedLabel, Counter, Histogram, otherLabel, type Registry, secondsBuckets } from "@switchyard/telemetry";
import type { Request, RequestHandler, Response } from "express";
import type { RunApi } from "../core/run-client.ts";

/** Definition names kept as label values; past this, `other`. */
const maxDefinitionLabels = 1000;

/** What the route guard leaves on the response for the metrics: the route's template and the definition it names. */
export interface RouteLabels {
  route: string;
  definition?: string;
}

/** The labels the route guard left for each response's metrics. */
const routeLabels = new WeakMap<Response, RouteLabels>();

/** Remembers the matched route (its template, never the path itself) for the metrics; called by each route's guard. */
export function markRoute(request: Request, response: Response, template: string): void {
  const named = request.params.name ?? request.params.id;
  routeLabels.set(response, { route: `${request.baseUrl}${template}`, ...(typeof named === "string" ? { definition: named } : {}) });
}

/** AgentSpec's `endpoint` label: the route's part after the name (`invoke`, `stream`, `sessions`, `run`, `status`), or `get`. */
function agentSpecEndpoint(route: string): string | undefined {
  const match = /^\/v1\/(agents|pipelines)\/:(?:name|id)(?:\/([a-z_]+))?/.exec(route);
  if (!match) return undefined;
  return match[2] ?? "get";
}

export interface GatewayMetrics {
  /** Counts every request when its response ends, by route template, method and status. */
  middleware: RequestHandler;
  /** Runs counted for AgentSpec's families: tokens and errors by agent or pipeline. */
  instrumentRuns(runs: RunApi): RunApi;
}

/**
 * The gateway's metrics: HTTP requests by route template (`unmatched` for a path no route has), method and status,
 * with latency; authentication failures and rate-limit rejections; and AgentSpec's families (`agentspec_*`) so its
 * dashboards work. A definition name becomes a label only once a request or run for it succeeded (at most 1,000
 * of them; any other name is `other`), so a name a client made up never does.
 */
export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const definitionLabel = boundedLabel(maxDefinitionLabels);
  const requests = new Counter({
    name: "switchyard_http_requests_total",
    help: "HTTP requests by route template, method and status.",
    labelNames: ["route", "method", "status"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "switchyard_http_request_duration_seconds",
    help: "HTTP request duration in seconds, to the end of the response (a stream's whole length).",
    labelNames: ["route", "method"],
    buckets: secondsBuckets,
    registers: [registry],
  });
  const authFailures = new Counter({
    name: "switchyard_auth_failures_total",
    help: "Requests refused for a missing or invalid API key (401).",
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: "switchyard_rate_limit_rejections_total",
    help: "Requests refused with 429: a key's limit, a blocked address, or a provider's.",
    labelNames: ["route"],
    registers: [registry],
  });
  const agentSpecRequests = new Counter({
    name: "agentspec_requests_total",
    help: "AgentSpec: API requests by agent, endpoint and HTTP status.",
    labelNames: ["agent", "endpoint", "status"],
    registers: [registry],
  });
  const agentSpecDuration = new Histogram({
    name: "agentspec_request_duration_seconds",
    help: "AgentSpec: request duration in seconds.",
    labelNames: ["agent", "endpoint"],
    buckets: secondsBuckets,
    registers: [registry],
  });
  const agentSpecTokens = new Counter({
    name: "agentspec_tokens_total",
    help: "AgentSpec: tokens consumed by agent (or pipeline) and direction.",
    labelNames: ["agent", "type"],
    registers: [registry],
  });
  const agentSpecErrors = new Counter({
    name: "agentspec_errors_total",
    help: "AgentSpec: failed runs by agent (or pipeline) and error code.",
    labelNames: ["agent", "code"],
    registers: [registry],
  });

  const middleware: RequestHandler = (request, response, next) => {
    const started = process.hrtime.bigint();
    response.once("close", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const marked = routeLabels.get(response);
      const route = marked?.route ?? "unmatched";
      const status = String(response.statusCode);
      requests.inc({ route, method: request.method, status });
      duration.observe({ route, method: request.method }, seconds);
      if (response.statusCode === 401) authFailures.inc();
      if (response.statusCode === 429) rateLimited.inc({ route });
      const endpoint = marked && agentSpecEndpoint(route);
      if (endpoint && marked) {
        const name = marked.definition;
        const agent =
          name === undefined ? otherLabel : response.statusCode < 400 ? definitionLabel.admit(name) : definitionLabel.known(name);
        agentSpecRequests.inc({ agent, endpoint, status });
        agentSpecDuration.observe({ agent, endpoint }, seconds);
      }
    });
    next();
  };

  const instrumentRuns = (runs: RunApi): RunApi => ({
    close: () => runs.close(),
    async run(name, inputs, options) {
      try {
        const result = await runs.run(name, inputs, options);
        if (result.usage) {
          const agent = definitionLabel.admit(name);
          agentSpecTokens.inc({ agent, type: "input" }, result.usage.prompt_tokens);
          agentSpecTokens.inc({ agent, type: "output" }, result.usage.completion_tokens);
        }
        definitionLabel.admit(name);
        return result;
      } catch (error) {
        agentSpecErrors.inc({ agent: definitionLabel.known(name), code: toAppError(error).code });
        throw error;
      }
    },
  });

  return { middleware, instrumentRuns };
}
