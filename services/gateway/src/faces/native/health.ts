import { endpoints } from "@switchyard/contracts";
import { AppError, toAppError } from "@switchyard/errors";
import { call } from "@switchyard/nats";
import { Router } from "express";
import type { GatewayContext } from "../../context.ts";

const pingTimeoutMs = 500;

/** `/healthz`: the process is up. `/readyz`: NATS is connected and a registry and an executor answer. */
export function healthRoutes(context: GatewayContext): Router {
  const router = Router();
  router.get("/healthz", (_request, response) => {
    response.json({ status: "ok" });
  });
  router.get("/readyz", async (_request, response) => {
    if (context.bus.nats.isClosed()) throw new AppError("unavailable", "not ready: the NATS connection is closed");
    const checks = await Promise.allSettled([
      call(context.bus, endpoints.registryPing, {}, { timeoutMs: pingTimeoutMs }),
      context.runs.pingExecutor(pingTimeoutMs),
    ]);
    const failures = checks.flatMap((check, index) =>
      check.status === "rejected" ? [`${index === 0 ? "registry" : "executor"}: ${toAppError(check.reason).message}`] : [],
    );
    if (failures.length > 0) throw new AppError("unavailable", `not ready: ${failures.join("; ")}`);
    response.json({ status: "ready", checks: { nats: "ok", registry: "ok", executor: "ok" } });
  });
  return router;
}
