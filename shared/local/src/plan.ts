import type { ServiceName } from "@switchyard/contracts";
import { freePort } from "./processes.ts";
import { type ServiceProcess, startServiceProcess } from "./services.ts";

/**
 * The order services start in, for `pnpm start` and the test harness alike: access first
 * (every other service may read credentials from it), the mcp service (the registry checks
 * agents' MCP servers against it), then sessions, the
 * registry (which deploys the pipelines directory before it is ready), executors, schedulers
 * (they submit to executors), gateways.
 */
export const startOrder: readonly ServiceName[] = ["access", "mcp", "session", "registry", "executor", "scheduler", "gateway"];

export interface PlanStep {
  /** How many processes (default 1; 0 leaves the service out). */
  count?: number;
  /** This service's own environment; the plan's common environment is laid over it (infrastructure and gRPC addresses win). */
  env?: Record<string, string>;
}

export interface StartPlanOptions {
  /** The environment every service gets (PATH, HOME, NATS_URL, REDIS_URL, …). */
  env: Record<string, string>;
  services: Partial<Record<ServiceName, PlanStep>>;
  onLine?(service: ServiceName, line: string, stream: "stdout" | "stderr"): void;
  /** Run the services' built bundles (`pnpm build`) instead of their source. */
  compiled?: boolean;
}

export interface StartedPlan {
  /** The common environment, gRPC addresses included (for starting more processes later). */
  env: Record<string, string>;
  processes: Record<ServiceName, ServiceProcess[]>;
  /** Starts one more process of a service with the plan's environment. */
  add(service: ServiceName, env?: Record<string, string>): Promise<ServiceProcess>;
  /** Stops every process: services in reverse start order, the processes of one service together. */
  stop(): Promise<void>;
}

/**
 * Starts the services of a plan in `startOrder`, the processes of one service together,
 * each service waiting for the one before to be ready. The gRPC addresses are free loopback
 * ports unless the environment names them. A failure stops what was started, then throws.
 */
export async function startPlan(options: StartPlanOptions): Promise<StartedPlan> {
  const env: Record<string, string> = {
    REGISTRY_GRPC_ADDRESS: `127.0.0.1:${await freePort()}`,
    MCP_GRPC_ADDRESS: `127.0.0.1:${await freePort()}`,
    SESSION_GRPC_ADDRESS: `127.0.0.1:${await freePort()}`,
    ACCESS_GRPC_ADDRESS: `127.0.0.1:${await freePort()}`,
    ...options.env,
  };
  const processes: Record<ServiceName, ServiceProcess[]> = {
    access: [],
    mcp: [],
    session: [],
    registry: [],
    executor: [],
    scheduler: [],
    gateway: [],
  };
  const add = async (service: ServiceName, extra: Record<string, string> = {}) => {
    const started = await startServiceProcess({
      service,
      env: { ...options.services[service]?.env, ...env, ...extra },
      onLine: (line, stream) => options.onLine?.(service, line, stream),
      compiled: options.compiled === true,
    });
    processes[service].push(started);
    return started;
  };
  const stop = async () => {
    for (const service of [...startOrder].reverse()) await Promise.all(processes[service].map((started) => started.stop()));
  };
  try {
    for (const service of startOrder) {
      const count = options.services[service]?.count ?? (options.services[service] ? 1 : 0);
      await Promise.all(Array.from({ length: count }, () => add(service)));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { env, processes, add, stop };
}
