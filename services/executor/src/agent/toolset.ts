import { isStoppedCatalogServer } from "@switchyard/contracts";
import { type AgentDefinition, inputsJsonSchema } from "@switchyard/definitions";
import { AppError, toAppError } from "@switchyard/errors";
import type { ToolCaller } from "../components/index.ts";
import type { CachedDefinition } from "../definitions-cache.ts";

export type ToolTarget = { kind: "mcp"; server: string; tool: string } | { kind: "pipeline"; pipeline: string };

export interface Toolset {
  /** OpenAI-format tool definitions for the model. */
  tools: Record<string, unknown>[];
  targets: Map<string, ToolTarget>;
}

/** Names the model may use: OpenAI allows letters, digits, '_' and '-', up to 64. */
function toolName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
}

/**
 * The agent's tools as the model sees them: each MCP server's tools (only the allowed ones
 * when an allow-list is given) and each pipeline, named plainly, or `server__tool` when two collide.
 */
export async function buildToolset(
  agent: AgentDefinition,
  tools: ToolCaller,
  definition: (name: string) => Promise<CachedDefinition>,
  signal: AbortSignal,
): Promise<Toolset> {
  const candidates: { name: string; description: string; parameters: Record<string, unknown>; target: ToolTarget; server?: string }[] = [];
  for (const entry of agent.tools) {
    if ("pipeline" in entry) {
      const pipeline = await definition(entry.pipeline);
      if (pipeline.kind !== "pipeline") throw new AppError("invalid_definition", `tool '${entry.pipeline}' is not a pipeline`);
      candidates.push({
        name: entry.pipeline,
        description: entry.description ?? (pipeline.definition.description || `Runs the ${entry.pipeline} pipeline.`),
        parameters: inputsJsonSchema(pipeline.definition),
        target: { kind: "pipeline", pipeline: entry.pipeline },
      });
      continue;
    }
    // A catalog server that is stopped lends no tools (the agent runs without them); one that is down fails the run.
    const listed = await tools.list(entry.mcp, signal).catch((error: unknown) => {
      if (isStoppedCatalogServer(toAppError(error))) return [];
      throw error;
    });
    for (const tool of listed) {
      if (entry.allow && !entry.allow.includes(tool.name)) continue;
      candidates.push({
        name: tool.name,
        description: tool.description,
        parameters: tool.inputSchema,
        target: { kind: "mcp", server: entry.mcp, tool: tool.name },
        server: entry.mcp,
      });
    }
  }
  const counts = new Map<string, number>();
  for (const candidate of candidates) counts.set(candidate.name, (counts.get(candidate.name) ?? 0) + 1);
  const targets = new Map<string, ToolTarget>();
  const definitions: Record<string, unknown>[] = [];
  for (const candidate of candidates) {
    const unique = (counts.get(candidate.name) ?? 0) > 1 && candidate.server ? `${candidate.server}__${candidate.name}` : candidate.name;
    const name = toolName(unique);
    if (targets.has(name)) continue;
    targets.set(name, candidate.target);
    definitions.push({ type: "function", function: { name, description: candidate.description, parameters: candidate.parameters } });
  }
  return { tools: definitions, targets };
}
