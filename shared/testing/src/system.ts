import { randomBytes } from "node:crypto";
import { type ServiceProcess, startPlan } from "@switchyard/local";
import { useApiKey } from "./http.ts";
import { type Infra, serviceEnv, startInfra } from "./infra.ts";

/** A key-shaped secret (`sy-` and 32 base62 characters). */
export function randomKey(): string {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  return `sy-${[...randomBytes(32)].map((byte) => alphabet[byte % 62]).join("")}`;
}

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
  /** Run the built bundles (`pnpm build`), as `pnpm start` and the image do; tests run the source. */
  compiled?: boolean;
  /** Schedulers to start (default 0). */
  schedulers?: number;
  /**
   * Servers to run on instead of new ones (left running at stop): a second system on the same
   * NATS and Redis is the first one restarted. Pass the first one's `adminKey` and `secretKey` with it.
   */
  infra?: Infra;
  adminKey?: string;
  secretKey?: string;
}

/** A 32-byte key for the credentials store, as the access service takes it (hex). */
export function randomSecretKey(): string {
  return randomBytes(32).toString("hex");
}

export interface TestSystem {
  infra: Infra;
  /** The admin key the access service was seeded with; the testing helpers send it by default. */
  adminKey: string;
  /** The credentials store's key the access service was given. */
  secretKey: string;
  schedulers: ServiceProcess[];
  startScheduler(): Promise<ServiceProcess>;
  access: ServiceProcess | undefined;
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
  /** One more gateway; `env` overrides the system's for it alone (e.g. `SWITCHYARD_AUTH=off`). */
  startGateway(env?: Record<string, string>): Promise<ServiceProcess>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Real infrastructure plus each service as its own process, started by the same plan as `pnpm start`. */
export async function startSystem(options: SystemOptions = {}): Promise<TestSystem> {
  const ownInfra = options.infra === undefined;
  const infra = options.infra ?? (await startInfra());
  const adminKey = options.adminKey ?? randomKey();
  const secretKey = options.secretKey ?? randomSecretKey();
  try {
    const plan = await startPlan({
      compiled: options.compiled === true,
      env: {
        ...serviceEnv(infra),
        LOG_LEVEL: "info",
        ...options.env,
      },
      services: {
        access: { env: { SWITCHYARD_ADMIN_KEY: adminKey, SWITCHYARD_SECRET_KEY: secretKey } },
        ...(options.withMcp ? { mcp: {} } : {}),
        ...(options.withSessions ? { session: {} } : {}),
        ...(options.withoutRegistry ? {} : { registry: {} }),
        executor: { count: options.executors ?? 1 },
        ...(options.schedulers ? { scheduler: { count: options.schedulers } } : {}),
        gateway: {
          count: options.gateways ?? 1,
          // Ready means every service this system runs answers; the ones a test leaves out are not required.
          env: {
            GATEWAY_PORT: "0",
            GATEWAY_READY_SERVICES: [
              "executor",
              "access",
              ...(options.withoutRegistry ? [] : ["registry"]),
              ...(options.withMcp ? ["mcp"] : []),
              ...(options.withSessions ? ["session"] : []),
              ...(options.schedulers ? ["scheduler"] : []),
            ].join(","),
          },
        },
      },
    });
    const { processes } = plan;
    const stop = async () => {
      await plan.stop();
      if (ownInfra) await infra.stop();
    };
    useApiKey(adminKey);
    return {
      infra,
      adminKey,
      secretKey,
      schedulers: processes.scheduler,
      startScheduler: () => plan.add("scheduler"),
      access: processes.access[0],
      registry: processes.registry[0],
      mcp: processes.mcp[0],
      session: processes.session[0],
      executors: processes.executor,
      gateways: processes.gateway,
      env: plan.env,
      url: (index = 0) => `http://127.0.0.1:${String(processes.gateway[index]?.ready.port)}`,
      startExecutor: () => plan.add("executor"),
      startGateway: (env?: Record<string, string>) => plan.add("gateway", env),
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    if (ownInfra) await infra.stop();
    throw error;
  }
}
