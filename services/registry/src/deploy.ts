import type { DefinitionRecord, DeployRequest } from "@switchyard/contracts";
import type { McpGrpcClient } from "@switchyard/grpc";
import type { SandboxPool } from "@switchyard/sandbox";
import type { Logger } from "@switchyard/telemetry";
import { createDeadline } from "./deadline.ts";
import { prepareDefinition } from "./definitions.ts";
import type { DefinitionStore, NewRecord } from "./store.ts";

export interface DeployerDeps {
  store: DefinitionStore;
  modelAliases: readonly string[];
  /** To check the MCP servers agents name. */
  mcp: McpGrpcClient;
  /** How long validating a deploy may take before it is refused, unstored (below the caller's own timeout). */
  timeoutMs: number;
  /** Tells every executor, once the record is stored. */
  announce(record: DefinitionRecord): Promise<void>;
  /** Where a code pipeline's declarations are read at deploy time. */
  sandbox: SandboxPool;
  logger: Logger;
}

function sameShape(record: Pick<DefinitionRecord, "source" | "description" | "files">) {
  return { source: record.source, description: record.description, files: record.files ?? null };
}

/**
 * Validates and stores a deploy within `timeoutMs` of its arrival. The deadline is checked
 * once more right before the write: a deploy whose caller has (nearly) given up is never
 * stored, so nobody is told "timeout" about a definition that then appears.
 */
export function createDeployer(deps: DeployerDeps): (request: DeployRequest) => Promise<DefinitionRecord> {
  return async (request) => {
    const deadline = createDeadline(deps.timeoutMs);
    const prepared: NewRecord = await prepareDefinition(request, deps.store, deps.modelAliases, deps.mcp, deadline, deps.sandbox);
    if (request.overwrite) {
      // Deploying exactly what is stored changes nothing and makes no new version.
      const existing = await deps.store.get(prepared.name);
      if (existing && JSON.stringify(sameShape(existing)) === JSON.stringify(sameShape(prepared))) return existing;
    }
    deadline.check();
    const record = await deps.store.put(prepared, request.overwrite);
    await deps.announce(record);
    deps.logger.info({ name: record.name, version: record.version }, "definition deployed");
    return record;
  };
}
