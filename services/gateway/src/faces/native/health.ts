import { endpoints, type PingReply } from "@switchyard/contracts";
import { AppError, toAppError } from "@switchyard/errors";
import { call, isConnected } from "@switchyard/nats";
import { Router } from "express";
import type { GatewayContext } from "../../context.ts";
import { guardedRouter } from "../../http/guarded-router.ts";

const pingTimeoutMs = 500;

const pings = {
  registry: endpoints.registryPing,
  executor: endpoints.execPing,
  access: endpoints.accessPing,
  session: endpoints.sessionPing,
  mcp: endpoints.mcpPing,
  scheduler: endpoints.schedulerPing,
} as const;

/** The version `/healthz` reports. */
const switchyardVersion = "0.1.0";

/**
 * `/livez`: the process is up. `/healthz`: AgentSpec's, up and connected to the bus (503 `degraded` when not). `/readyz`: NATS is connected and every service this
 * gateway depends on answers, with its own dependencies (a Redis that answers, and still
 * holds the service's data) in order. 503 names each that is not; `access` is not required
 * when authentication is off.
 */
export function healthRoutes(context: GatewayContext): Router {
  const router = Router();
  const required = context.config.GATEWAY_READY_SERVICES.filter((name) => name !== "access" || context.config.SWITCHYARD_AUTH === "on");
  // The orchestrator's liveness: the process answers. Not /healthz, which fails while the bus is down, and a restart
  // would not bring the bus back.
  router.get("/livez", (_request, response) => {
    response.json({ status: "ok" });
  });
  router.get("/healthz", (_request, response) => {
    // AgentSpec's fields beside the status: the version and how long this gateway has been up. Only what this
    // process holds is checked (its connection to the bus): the services behind it are /readyz's business.
    const alive = { version: switchyardVersion, uptime_seconds: Math.floor(process.uptime()) };
    if (isConnected(context.bus.nats)) response.json({ status: "ok", ...alive });
    else response.status(503).json({ status: "degraded", ...alive, checks: { nats: "unavailable" } });
  });
  // agent-runtimes' liveness, in its words.
  router.get("/api/v1/health", (_request, response) => {
    response.json({ status: "healthy", version: switchyardVersion, uptime_seconds: Math.floor(process.uptime()) });
  });
  router.get(["/readyz", "/api/v1/ready"], async (_request, response) => {
    if (!isConnected(context.bus.nats)) throw new AppError("unavailable", "not ready: the message bus is unreachable");
    const answers = await Promise.allSettled(required.map((name) => call(context.bus, pings[name], {}, { timeoutMs: pingTimeoutMs })));
    const checks: Record<string, string> = { nats: "ok" };
    for (const [index, answer] of answers.entries()) {
      const name = required[index] ?? "?";
      if (answer.status === "rejected") {
        checks[name] = toAppError(answer.reason).message;
        continue;
      }
      const reply: PingReply = answer.value;
      const bad = Object.entries(reply.checks).filter(([, state]) => state !== "ok");
      checks[name] = bad.length ? bad.map(([what, state]) => `${what} ${state}`).join("; ") : "ok";
    }
    const failures = Object.entries(checks).filter(([, state]) => state !== "ok");
    if (failures.length > 0) {
      throw new AppError("unavailable", `not ready: ${failures.map(([name, state]) => `${name}: ${state}`).join("; ")}`, {
        details: { checks },
      });
    }
    response.json({ status: "ready", checks });
  });
  return router;
}

/** Prometheus text of this gateway, at `/metrics` and at AgentSpec's `/v1/metrics`: behind a key, as every route. */
export function metricsRoutes(context: GatewayContext): Router {
  const routes = guardedRouter(context);
  routes.get(["/metrics", "/v1/metrics"], "metrics.read", async (_request, response) => {
    response.type(context.metrics.contentType).send(await context.metrics.metrics());
  });
  return routes.router;
}
