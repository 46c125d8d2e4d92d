import { endpoints } from "@switchyard/contracts";
import { AgentDefinition } from "@switchyard/definitions";
import type { GatewayContext } from "../../context.ts";

/** A deployed agent's definition, from the registry (`not_found` when there is none). */
export const loadAgent = async (context: GatewayContext, name: string): Promise<AgentDefinition> =>
  AgentDefinition.parse((await context.call(endpoints.registryGet, { name, kind: "agent" })).definition);

/** The MCP servers an agent's tools name (agent-runtimes' `mcp_toolsets`). */
export const mcpServersOf = (definition: AgentDefinition): string[] =>
  definition.tools.flatMap((tool) => ("mcp" in tool ? [tool.mcp] : []));
