import { sandboxLimitsOf } from "@switchyard/config";
import {
  type DefinitionChanged,
  type DefinitionRecord,
  type DefinitionSummary,
  type DeployRequest,
  endpoints,
} from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { createGrpcServer, type McpGrpcClient, serveRegistry } from "@switchyard/grpc";
import { type Bus, publishJson, serve } from "@switchyard/nats";
import { createStoreHealth, type Redis, type StoreHealth } from "@switchyard/redis";
import { createSandboxPool } from "@switchyard/sandbox";
import type { Logger, Tracer } from "@switchyard/telemetry";
import type { RegistryConfig } from "./config.ts";
import { createDeployer } from "./deploy.ts";
import { registryImplementation } from "./grpc-service.ts";
import { deployDirectory } from "./pipelines-dir.ts";
import { createDefinitionStore } from "./store.ts";

export interface RegistryDeps {
  config: RegistryConfig;
  bus: Bus;
  redis: Redis;
  logger: Logger;
  tracer: Tracer;
  modelAliases: readonly string[];
  /** To check the MCP servers agents name. */
  mcp: McpGrpcClient;
  instance: string;
}

export interface Registry {
  /** Starts serving (and deploys the pipelines directory); resolves with the bound gRPC port. */
  start(): Promise<{ grpcPort: number }>;
  /** Deploys from source as if over NATS (used for the pipelines directory). */
  deploy(request: DeployRequest): Promise<DefinitionRecord>;
  stop(): Promise<void>;
}

function summary(record: DefinitionRecord): DefinitionSummary {
  const { name, kind, version, description, deployedAt, chat, skipMcp, inputSchema } = record;
  // An agent's model alias rides along (AgentSpec's agent list shows it).
  const model = kind === "agent" && typeof record.definition.model === "string" ? { model: record.definition.model } : {};
  return { name, kind, version, description, deployedAt, chat, skipMcp, inputSchema, ...model };
}

export function createRegistry(deps: RegistryDeps): Registry {
  const { bus, logger, tracer, config } = deps;
  const maxDefinitions = config.REGISTRY_MAX_DEFINITIONS;
  const store = createDefinitionStore(deps.redis, tracer, maxDefinitions);
  const grpc = createGrpcServer();
  serveRegistry(grpc, registryImplementation(store, logger), { logger, tracer });
  const subscriptions: { unsubscribe(): void }[] = [];
  let health: StoreHealth | undefined;

  // Flushing before replying means every subscriber's connection has the change queued
  // before the deployer hears back, so a run sent after the reply sees the new version.
  async function announce(record: DefinitionRecord, action: DefinitionChanged["action"]): Promise<void> {
    const event: DefinitionChanged = { name: record.name, kind: record.kind, version: record.version, action };
    publishJson(bus.nats, bus.subjects.event("definitionChanged"), event);
    await bus.nats.flush();
  }

  // One worker: the registry only loads wrappers to read their declarations.
  const sandbox = createSandboxPool({ limits: sandboxLimitsOf(config), workers: 1 });
  const deploy = createDeployer({
    store,
    modelAliases: deps.modelAliases,
    mcp: deps.mcp,
    timeoutMs: config.REGISTRY_DEPLOY_TIMEOUT_MS,
    announce: (record) => announce(record, "deployed"),
    logger,
    sandbox,
  });

  const found = async (name: string, kind: string | undefined) => {
    const record = await store.get(name);
    if (!record || (kind && record.kind !== kind)) throw new AppError("not_found", `'${name}' is not deployed`);
    return record;
  };

  return {
    deploy,
    async start() {
      health = await createStoreHealth(deps.redis, "registry", logger);
      const options = { logger, tracer };
      subscriptions.push(
        serve(bus, endpoints.registryDeploy, async (request) => summary(await deploy(request)), options),
        serve(
          bus,
          endpoints.registryUndeploy,
          async ({ name, kind }) => {
            await found(name, kind);
            const removed = await store.remove(name);
            if (!removed) throw new AppError("not_found", `'${name}' is not deployed`);
            await announce(removed, "undeployed");
            logger.info({ name }, "definition undeployed");
            return summary(removed);
          },
          options,
        ),
        serve(
          bus,
          endpoints.registryList,
          async ({ limit, offset, kind }) => {
            if (!kind) {
              const page = await store.list(limit, offset);
              return { items: page.items.map(summary), total: page.total };
            }
            const all = (await store.list(maxDefinitions, 0)).items.filter((record) => record.kind === kind);
            return { items: all.slice(offset, offset + limit).map(summary), total: all.length };
          },
          options,
        ),
        serve(bus, endpoints.registryGet, ({ name, kind }) => found(name, kind), options),
        serve(
          bus,
          endpoints.registryPing,
          async () => ({ service: "registry", instance: deps.instance, checks: { redis: (await health?.check()) ?? "starting" } }),
          options,
        ),
      );
      const grpcPort = await grpc.listen(config.REGISTRY_GRPC_ADDRESS);
      const directory = config.SWITCHYARD_PIPELINES_DIR;
      if (directory) logger.info({ directory, deployed: await deployDirectory(directory, deploy, logger) }, "pipelines directory deployed");
      return { grpcPort };
    },
    async stop() {
      for (const subscription of subscriptions) subscription.unsubscribe();
      await grpc.stop();
      await sandbox.close();
    },
  };
}
