import { type DefinitionRecord, type DeployRequest, definitionLimits } from "@switchyard/contracts";
import {
  type AgentDefinition,
  agentInputSchema,
  analyzePipeline,
  checkAgent,
  inputsJsonSchema,
  type PipelineDefinition,
  parseDefinitionSource,
  parsePipelineSource,
} from "@switchyard/definitions";
import { AppError, toAppError } from "@switchyard/errors";
import type { McpGrpcClient } from "@switchyard/grpc";
import type { DefinitionStore, NewRecord } from "./store.ts";

/** Parses and validates a deploy request into a record ready to store. */
export async function prepareDefinition(
  request: DeployRequest,
  store: DefinitionStore,
  modelAliases: readonly string[],
  mcp: McpGrpcClient,
): Promise<NewRecord> {
  const parsed = parseDefinitionSource(request.source, request.name, request.kind);
  if (request.kind && parsed.kind !== request.kind) {
    throw new AppError("invalid_definition", `invalid definition: this is a ${parsed.kind}, not a ${request.kind}`);
  }
  if (parsed.kind === "agent") return prepareAgent(request, parsed.definition, store, modelAliases, mcp);
  const definition = parsed.definition;
  analyzePipeline(definition, { modelAliases });
  await checkPipelineCalls(definition, store);
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
): Promise<NewRecord> {
  checkAgent(agent, modelAliases);
  for (const tool of agent.tools) {
    if ("pipeline" in tool) {
      const called = await store.get(tool.pipeline);
      if (called?.kind !== "pipeline") {
        throw new AppError("invalid_definition", `invalid definition: tools: unknown pipeline '${tool.pipeline}'`, { param: "tools" });
      }
      continue;
    }
    const listed = await mcp.listTools(tool.mcp, { deadlineMs: 5000 }).catch((error: unknown) => {
      const appError = toAppError(error);
      if (appError.code === "not_found") {
        throw new AppError("invalid_definition", `invalid definition: tools: unknown MCP server '${tool.mcp}'`, { param: "tools" });
      }
      throw new AppError("unavailable", `could not check MCP server '${tool.mcp}': ${appError.message}`);
    });
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
 * Follows `pipeline` components through the deployed pipelines they call, refusing a
 * chain that leads back to this pipeline. Pipelines not deployed yet are allowed: they
 * are resolved when the run happens.
 */
async function checkPipelineCalls(definition: PipelineDefinition, store: DefinitionStore): Promise<void> {
  const visit = async (current: PipelineDefinition, path: string[]): Promise<void> => {
    if (path.length > definitionLimits.nesting) {
      const limit = definitionLimits.nesting;
      throw new AppError("invalid_definition", `invalid definition: pipelines nest deeper than ${limit}: ${path.join(" -> ")}`);
    }
    for (const component of Object.values(current.components)) {
      if (component.type !== "pipeline") continue;
      if (component.pipeline === definition.name) {
        throw new AppError("invalid_definition", `invalid definition: cycle: ${[...path, definition.name].join(" -> ")}`);
      }
      const called = await store.get(component.pipeline);
      if (called?.kind === "pipeline") await visit(pipelineOf(called), [...path, called.name]);
    }
  };
  await visit(definition, [definition.name]);
}

function pipelineOf(record: DefinitionRecord): PipelineDefinition {
  return parsePipelineSource(record.definition);
}
