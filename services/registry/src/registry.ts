import {
  type DefinitionChanged,
  type DefinitionRecord,
  type DefinitionSummary,
  DeployRequest,
  ListRequest,
  NameRequest,
  queueGroups,
  type Subjects,
} from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { createGrpcServer, type McpGrpcClient, registryProto } from "@switchyard/grpc";
import { EmptyReply, type NatsConnection, publishJson, serveRequests } from "@switchyard/nats";
import type { Redis } from "@switchyard/redis";
import type { Logger, Tracer } from "@switchyard/telemetry";
import { prepareDefinition } from "./definitions.ts";
import { registryHandlers } from "./grpc-service.ts";
import { createDefinitionStore } from "./store.ts";

export interface RegistryDeps {
  nats: NatsConnection;
  redis: Redis;
  subjects: Subjects;
  logger: Logger;
  tracer: Tracer;
  modelAliases: readonly string[];
  /** To check the MCP servers agents name. */
  mcp: McpGrpcClient;
  grpcAddress: string;
  instance: string;
  maxDefinitions: number;
}

export interface Registry {
  /** Starts serving; resolves with the bound gRPC port. */
  start(): Promise<{ grpcPort: number }>;
  /** Deploys from source as if over NATS (used for the pipelines directory). */
  deploy(request: DeployRequest): Promise<DefinitionRecord>;
  stop(): Promise<void>;
}

function summary(record: DefinitionRecord): DefinitionSummary {
  return {
    name: record.name,
    kind: record.kind,
    version: record.version,
    description: record.description,
    deployedAt: record.deployedAt,
    chat: record.chat,
    skipMcp: record.skipMcp,
    inputSchema: record.inputSchema,
  };
}

function sameShape(record: Pick<DefinitionRecord, "source" | "description" | "files">) {
  return { source: record.source, description: record.description, files: record.files ?? null };
}

export function createRegistry(deps: RegistryDeps): Registry {
  const { nats, subjects, logger, tracer } = deps;
  const store = createDefinitionStore(deps.redis, tracer, deps.maxDefinitions);
  const grpc = createGrpcServer();
  grpc.addService("switchyard.registry.v1.Registry", registryProto().Registry.service, registryHandlers(store, { logger, tracer }));
  const subscriptions: { unsubscribe(): void }[] = [];

  // Flushing before replying means every subscriber's connection has the change queued
  // before the deployer hears back, so a run sent after the reply sees the new version.
  async function announce(record: DefinitionRecord, action: DefinitionChanged["action"]): Promise<void> {
    const event: DefinitionChanged = { name: record.name, kind: record.kind, version: record.version, action };
    publishJson(nats, subjects.event("definitionChanged"), event);
    await nats.flush();
  }

  async function deploy(request: DeployRequest): Promise<DefinitionRecord> {
    const prepared = await prepareDefinition(request, store, deps.modelAliases, deps.mcp);
    if (request.overwrite) {
      // Deploying exactly what is stored changes nothing and makes no new version.
      const existing = await store.get(prepared.name);
      if (existing && JSON.stringify(sameShape(existing)) === JSON.stringify(sameShape(prepared))) return existing;
    }
    const record = await store.put(prepared, request.overwrite);
    await announce(record, "deployed");
    logger.info({ name: record.name, version: record.version }, "definition deployed");
    return record;
  }

  return {
    deploy,
    async start() {
      const common = { queue: queueGroups.registry, logger, tracer };
      subscriptions.push(
        serveRequests(nats, {
          ...common,
          subject: subjects.request("registryDeploy"),
          schema: DeployRequest,
          handler: async (request) => summary(await deploy(request)),
        }),
        serveRequests(nats, {
          ...common,
          subject: subjects.request("registryUndeploy"),
          schema: NameRequest,
          handler: async ({ name, kind }) => {
            const existing = await store.get(name);
            if (!existing || (kind && existing.kind !== kind)) throw new AppError("not_found", `'${name}' is not deployed`);
            const removed = await store.remove(name);
            if (!removed) throw new AppError("not_found", `'${name}' is not deployed`);
            await announce(removed, "undeployed");
            logger.info({ name }, "definition undeployed");
            return summary(removed);
          },
        }),
        serveRequests(nats, {
          ...common,
          subject: subjects.request("registryList"),
          schema: ListRequest,
          handler: async ({ limit, offset, kind }) => {
            if (!kind) {
              const page = await store.list(limit, offset);
              return { items: page.items.map(summary), total: page.total };
            }
            const all = (await store.list(deps.maxDefinitions, 0)).items.filter((record) => record.kind === kind);
            return { items: all.slice(offset, offset + limit).map(summary), total: all.length };
          },
        }),
        serveRequests(nats, {
          ...common,
          subject: subjects.request("registryGet"),
          schema: NameRequest,
          handler: async ({ name, kind }) => {
            const record = await store.get(name);
            if (!record || (kind && record.kind !== kind)) throw new AppError("not_found", `'${name}' is not deployed`);
            return record;
          },
        }),
        serveRequests(nats, {
          ...common,
          subject: subjects.request("registryPing"),
          schema: EmptyReply,
          handler: async () => ({ service: "registry", instance: deps.instance }),
        }),
      );
      const grpcPort = await grpc.listen(deps.grpcAddress);
      return { grpcPort };
    },
    async stop() {
      for (const subscription of subscriptions) subscription.unsubscribe();
      await grpc.stop();
    },
  };
}
