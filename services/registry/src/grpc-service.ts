import type { DefinitionRecord } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { type GrpcServerOptions, type RegistryDefinition, type RegistryHandlers, unary } from "@switchyard/grpc";
import type { DefinitionStore } from "./store.ts";

function toProto(record: DefinitionRecord): RegistryDefinition {
  return {
    name: record.name,
    kind: record.kind,
    version: record.version,
    description: record.description,
    definitionJson: JSON.stringify(record.definition),
    deployedAt: record.deployedAt,
  };
}

/** The registry's gRPC handlers, read-only: writes arrive over NATS. */
export function registryHandlers(store: DefinitionStore, options: GrpcServerOptions): RegistryHandlers {
  return {
    GetDefinition: unary("GetDefinition", options, async (request) => {
      const record = await store.get(request.name ?? "");
      if (!record) throw new AppError("not_found", `'${request.name}' is not deployed`);
      options.logger.debug({ name: record.name, version: record.version }, "definition served");
      return toProto(record);
    }),
    ListDefinitions: unary("ListDefinitions", options, async (request) => {
      const limit = Math.min(Math.max(request.limit || 100, 1), 1000);
      const page = await store.list(limit, request.offset ?? 0);
      return { items: page.items.map(toProto), total: page.total };
    }),
  };
}
