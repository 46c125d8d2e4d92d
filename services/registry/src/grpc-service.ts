import type { DefinitionRecord } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { RegistryDefinition, RegistryImplementation } from "@switchyard/grpc";
import type { Logger } from "@switchyard/telemetry";
import type { DefinitionStore } from "./store.ts";

function served(record: DefinitionRecord): RegistryDefinition {
  const { name, kind, version, description, definition, deployedAt } = record;
  return { name, kind, version, description, definition, deployedAt };
}

/** What executors read over gRPC: read-only, writes arrive over NATS. */
export function registryImplementation(store: DefinitionStore, logger: Logger): RegistryImplementation {
  return {
    async getDefinition(name) {
      const record = await store.get(name);
      if (!record) throw new AppError("not_found", `'${name}' is not deployed`);
      logger.debug({ name: record.name, version: record.version }, "definition served");
      return served(record);
    },
    async listDefinitions(limit, offset) {
      const page = await store.list(limit, offset);
      return { items: page.items.map(served), total: page.total };
    },
  };
}
