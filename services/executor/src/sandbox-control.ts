import { endpoints, parseJsonOrUndefined, SandboxLimitsChange, type SandboxReport } from "@switchyard/contracts";
import { type Bus, serve } from "@switchyard/nats";
import type { Redis } from "@switchyard/redis";
import type { SandboxPool } from "@switchyard/sandbox";
import type { Logger, Tracer } from "@switchyard/telemetry";

/** The limits an operator set at run time, kept for every executor (those that start later too); the executors write it. */
const limitsKey = "sy:sandbox:limits";

export interface SandboxControlDeps {
  bus: Bus;
  sandbox: SandboxPool;
  redis: Redis | undefined;
  instance: string;
  logger: Logger;
  tracer: Tracer;
}

/**
 * agent-runtimes' sandbox routes, on the executor side: every executor answers `exec.sandbox`
 * (the gateway takes the first reply), so a change of limits or a restart reaches them all at
 * once; the limits are stored in Redis and applied by each executor when it starts.
 */
export function createSandboxControl(deps: SandboxControlDeps) {
  const report = (): SandboxReport => {
    const status = deps.sandbox.status();
    return { executor: deps.instance, ...status };
  };
  return {
    /** Applies the limits stored by an earlier change, if any. */
    async restore(): Promise<void> {
      const stored = await deps.redis?.get(limitsKey).catch(() => null);
      const limits = stored ? parseJsonOrUndefined(SandboxLimitsChange, stored) : undefined;
      if (limits) deps.sandbox.configure(limits);
    },
    serve() {
      return serve(
        deps.bus,
        endpoints.execSandbox,
        async (control) => {
          if (control.action === "configure") {
            const limits = deps.sandbox.configure(control.limits);
            await deps.redis?.set(limitsKey, JSON.stringify(limits));
            deps.logger.info({ limits }, "sandbox limits changed");
          } else if (control.action === "restart") {
            await deps.sandbox.restart();
            deps.logger.info("sandbox restarted");
          }
          return report();
        },
        { logger: deps.logger, tracer: deps.tracer },
      );
    },
  };
}
