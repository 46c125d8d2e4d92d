import { endpoints, SandboxLimitsChange, type SandboxReport } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { z } from "zod";
import { audit } from "../../access/audit.ts";
import type { GatewayContext } from "../../context.ts";
import { jsonObjectBody } from "../../http/body.ts";
import type { GuardedRouter } from "../../http/guarded-router.ts";

/** Switchyard's one sandbox variant: QuickJS compiled to WebAssembly, on the executors' worker threads. */
const variant = "quickjs-wasm";

/**
 * agent-runtimes' `POST /api/v1/agents/sandbox/configure`: its `variant` (only this sandbox's is
 * offered; `local-eval` and `local-jupyter` are not), and the limits of every call, by name.
 */
const ConfigureBody = z
  .object({
    variant: z.string().max(64).optional(),
    jupyter_url: z.string().max(4096).optional(),
    jupyter_token: z.string().max(4096).optional(),
    cpu_ms: SandboxLimitsChange.shape.cpuMs,
    memory_bytes: SandboxLimitsChange.shape.memoryBytes,
    output_bytes: SandboxLimitsChange.shape.outputBytes,
    setup_ms: SandboxLimitsChange.shape.setupMs,
  })
  .strict();

/** agent-runtimes' status fields, then what this sandbox adds: its limits and its counts (of the executor that answered). */
const statusOf = (report: SandboxReport) => ({
  variant,
  jupyter_url: null,
  jupyter_token_set: false,
  sandbox_running: report.workers > 0,
  limits: {
    cpu_ms: report.limits.cpuMs,
    memory_bytes: report.limits.memoryBytes,
    output_bytes: report.limits.outputBytes,
    setup_ms: report.limits.setupMs,
  },
  workers: report.workers,
  max_workers: report.maxWorkers,
  running: report.running,
  calls: report.calls,
  cold_starts: report.coldStarts,
  executor: report.executor,
});

/** The sandbox routes: status for readers; configure and restart (every executor at once) for `sandbox.manage`. */
export function sandboxRoutes(context: GatewayContext, routes: GuardedRouter): void {
  routes.get(
    "/api/v1/agents/sandbox/status",
    "definitions.read",
    async (_request, response) => {
      response.json(statusOf(await context.call(endpoints.execSandbox, { action: "status" })));
    },
    { summary: "The code sandbox's variant, limits and state (agent-runtimes)" },
  );
  routes.post(
    "/api/v1/agents/sandbox/configure",
    "sandbox.manage",
    async (request, response) => {
      const body = ConfigureBody.parse(jsonObjectBody(request) ?? {});
      if (body.variant !== undefined && body.variant !== variant) {
        throw new AppError(
          "invalid_request",
          `the sandbox variant '${body.variant}' is not offered: Switchyard's sandbox is '${variant}'`,
          {
            param: "variant",
          },
        );
      }
      if (body.jupyter_url !== undefined || body.jupyter_token !== undefined) {
        throw new AppError("invalid_request", `a Jupyter sandbox is not offered: Switchyard's sandbox is '${variant}'`, {
          param: "jupyter_url",
        });
      }
      const limits = {
        ...(body.cpu_ms === undefined ? {} : { cpuMs: body.cpu_ms }),
        ...(body.memory_bytes === undefined ? {} : { memoryBytes: body.memory_bytes }),
        ...(body.output_bytes === undefined ? {} : { outputBytes: body.output_bytes }),
        ...(body.setup_ms === undefined ? {} : { setupMs: body.setup_ms }),
      };
      const report = await context.call(endpoints.execSandbox, { action: "configure", limits });
      audit(context, request, response, "sandbox.configure", variant);
      response.json(statusOf(report));
    },
    { summary: "Change the code sandbox's limits on every executor (agent-runtimes)", body: ConfigureBody },
  );
  routes.post(
    "/api/v1/agents/sandbox/restart",
    "sandbox.manage",
    async (request, response) => {
      const report = await context.call(endpoints.execSandbox, { action: "restart" });
      audit(context, request, response, "sandbox.restart", variant);
      response.json(statusOf(report));
    },
    { summary: "Restart the code sandbox on every executor: warm sandboxes dropped, running calls failed (agent-runtimes)" },
  );
}
