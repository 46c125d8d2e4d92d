import { type DeployRequest, isStoppedCatalogServer } from "@switchyard/contracts";
import {
  type AgentDefinition,
  agentInputSchema,
  analyzePipeline,
  checkAgent,
  inputsJsonSchema,
  measurePipeline,
  type PipelineDefinition,
  parseDefinitionSource,
  parsePipelineSource,
} from "@switchyard/definitions";
import { AppError, toAppError } from "@switchyard/errors";
import type { McpGrpcClient } from "@switchyard/grpc";
import type { SandboxPool } from "@switchyard/sandbox";
import { prepareCode } from "./code.ts";
import type { Deadline } from "./deadline.ts";
import type { DefinitionStore, NewRecord } from "./store.ts";

/** How long one MCP server may take to list its tools for an agent's deploy (less if the deploy's deadline is nearer). */
const mcpCheckMs = 5000;

/**
 * Parses and validates a deploy request into a record ready to store, within the deploy's
 * deadline (checked before each call to Redis or the mcp service).
 */
export async function prepareDefinition(
  request: DeployRequest,
  store: DefinitionStore,
  modelAliases: readonly string[],
  mcp: McpGrpcClient,
  deadline: Deadline,
  sandbox: SandboxPool,
): Promise<NewRecord> {
  if (request.entry !== undefined) {
    if (request.kind === "agent") throw new AppError("invalid_definition", "a pipeline wrapper is a pipeline, not an agent");
    return prepareCode({ ...request, entry: request.entry }, sandbox);
  }
  const parsed = parseDefinitionSource(request.source, request.name, request.kind);
  if (request.kind && parsed.kind !== request.kind) {
    throw new AppError("invalid_definition", `invalid definition: this is a ${parsed.kind}, not a ${request.kind}`);
  }
  if (parsed.kind === "agent") return prepareAgent(request, parsed.definition, store, modelAliases, mcp, deadline);
  if (parsed.kind === "code")
    throw new AppError("invalid_definition", "invalid definition: kind 'code' comes from a pipeline wrapper only");
  const definition = parsed.definition;
  analyzePipeline(definition, { modelAliases });
  await checkPipelineCalls(definition, store, deadline);
  return {
    name: definition.name,
    kind: "pipeline",
    chat: definition.chat !== undefined,
    skipMcp: definition.skip_mcp,
    inputSchema: inputsJsonSchema(definition),
    description: request.description ?? definition.description,
    definition: { ...definition, description: request.description ?? definition.description },
    source: request.source,
    ...(request.files ? { files: request.files } : {}),
  };
}

async function prepareAgent(
  request: DeployRequest,
  agent: AgentDefinition,
  store: DefinitionStore,
  modelAliases: readonly string[],
  mcp: McpGrpcClient,
  deadline: Deadline,
): Promise<NewRecord> {
  checkAgent(agent, modelAliases);
  for (const tool of agent.tools) {
    deadline.check();
    if ("pipeline" in tool) {
      const called = await store.get(tool.pipeline);
      if (called?.kind !== "pipeline") {
        throw new AppError("invalid_definition", `invalid definition: tools: unknown pipeline '${tool.pipeline}'`, { param: "tools" });
      }
      continue;
    }
    const deadlineMs = Math.max(1, Math.min(mcpCheckMs, deadline.remaining()));
    const listed = await mcp.listTools(tool.mcp, { deadlineMs }).catch((error: unknown) => {
      deadline.check();
      const appError = toAppError(error);
      // A catalog entry may be named before it is started (agent-runtimes selects, then starts); its tools are
      // unknown until then, so an allow-list cannot be checked.
      if (isStoppedCatalogServer(appError) && !tool.allow) return undefined;
      if (isStoppedCatalogServer(appError)) {
        throw new AppError(
          "invalid_definition",
          `invalid definition: tools: MCP server '${tool.mcp}' is a catalog entry that is not enabled, so its tools cannot be checked against allow: enable it first`,
          { param: "tools" },
        );
      }
      if (appError.code === "not_found") {
        throw new AppError("invalid_definition", `invalid definition: tools: unknown MCP server '${tool.mcp}'`, { param: "tools" });
      }
      throw new AppError("unavailable", `could not check MCP server '${tool.mcp}': ${appError.message}`);
    });
    if (!listed) continue;
    const names = new Set(listed.map((listedTool) => listedTool.name));
    const missing = (tool.allow ?? []).filter((name) => !names.has(name));
    if (missing.length > 0) {
      throw new AppError(
        "invalid_definition",
        `invalid definition: tools: MCP server '${tool.mcp}' has no tool ${missing.map((name) => `'${name}'`).join(", ")}`,
        {
          param: "tools",
        },
      );
    }
  }
  const description = request.description ?? agent.description;
  return {
    name: agent.name,
    kind: "agent",
    chat: true,
    skipMcp: agent.skip_mcp,
    inputSchema: { ...agentInputSchema },
    description,
    definition: { ...agent, description },
    source: request.source,
  };
}

/**
 * Follows `pipeline` components through the deployed pipelines they call (each looked up
 * once), refusing a chain that leads back to this pipeline, nesting past the limit, and a
 * run that would expand past `expansionLimits.componentRuns` components. Pipelines not
 * deployed yet are allowed: they are resolved when the run happens (and the executor
 * measures the expansion again before each run).
 */
async function checkPipelineCalls(definition: PipelineDefinition, store: DefinitionStore, deadline: Deadline): Promise<void> {
  const lookup = async (name: string) => {
    const record = await store.get(name);
    // A code pipeline is a leaf: what it calls is decided when it runs.
    return record?.kind === "pipeline" && record.definition.kind !== "code" ? parsePipelineSource(record.definition) : undefined;
  };
  await measurePipeline(definition, lookup, { checkpoint: deadline.check });
}
