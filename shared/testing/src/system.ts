import { freePort, type ServiceProcess, startServiceProcess } from "@switchyard/local";
import { type Infra, startInfra } from "./infra.ts";

export interface SystemOptions {
  gateways?: number;
  executors?: number;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** Start no registry (for tests of what happens without one). */
  withoutRegistry?: boolean;
  /** Start the mcp service too (its config file path goes in `env.MCP_CONFIG_PATH`). */
  withMcp?: boolean;
  /** Start the session service too. */
  withSessions?: boolean;
}

export interface TestSystem {
  infra: Infra;
  registry: ServiceProcess | undefined;
  mcp: ServiceProcess | undefined;
  session: ServiceProcess | undefined;
  executors: ServiceProcess[];
  gateways: ServiceProcess[];
  /** Base URL of gateway `index` (default 0). */
  url(index?: number): string;
  /** The environment the services were started with. */
  env: Record<string, string>;
  startExecutor(): Promise<ServiceProcess>;
  startGateway(): Promise<ServiceProcess>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Real infrastructure plus each service as its own process, the way they run in production. */
export async function startSystem(options: SystemOptions = {}): Promise<TestSystem> {
  const infra = await startInfra();
  const env: Record<string, string> = {
    NATS_URL: infra.natsUrl,
    REDIS_URL: infra.redisUrl,
    REGISTRY_GRPC_ADDRESS: `127.0.0.1:${await freePort()}`,
    MCP_GRPC_ADDRESS: `127.0.0.1:${await freePort()}`,
    SESSION_GRPC_ADDRESS: `127.0.0.1:${await freePort()}`,
    LOG_LEVEL: "info",
    ...options.env,
  };
  const started: ServiceProcess[] = [];
  const executors: ServiceProcess[] = [];
  const gateways: ServiceProcess[] = [];
  const startExecutor = async () => {
    const executor = await startServiceProcess({ service: "executor", env });
    started.push(executor);
    executors.push(executor);
    return executor;
  };
  const startGateway = async () => {
    const gateway = await startServiceProcess({ service: "gateway", env: { ...env, GATEWAY_PORT: "0" } });
    started.push(gateway);
    gateways.push(gateway);
    return gateway;
  };
  const stop = async () => {
    await Promise.all(started.map((service) => service.stop()));
    await infra.stop();
  };
  try {
    const registry = options.withoutRegistry ? undefined : await startServiceProcess({ service: "registry", env });
    if (registry) started.push(registry);
    const mcp = options.withMcp ? await startServiceProcess({ service: "mcp", env }) : undefined;
    if (mcp) started.push(mcp);
    const session = options.withSessions ? await startServiceProcess({ service: "session", env }) : undefined;
    if (session) started.push(session);
    await Promise.all([
      ...Array.from({ length: options.executors ?? 1 }, startExecutor),
      ...Array.from({ length: options.gateways ?? 1 }, startGateway),
    ]);
    return {
      infra,
      registry,
      mcp,
      session,
      executors,
      gateways,
      env,
      url: (index = 0) => `http://127.0.0.1:${String(gateways[index]?.ready.port)}`,
      startExecutor,
      startGateway,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
