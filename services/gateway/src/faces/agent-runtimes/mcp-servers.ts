import type { McpServerEntry } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { GatewayContext } from "../../context.ts";
import { type McpServerShape, mcpServerRoutes } from "../native/mcp-servers.ts";

/** An entry with agent-runtimes' fields: `isAvailable` (running, or nothing it needs is missing) and each tool `enabled`. */
export const agentRuntimesEntry = (entry: McpServerEntry) => ({
  ...entry,
  isAvailable: entry.isRunning || entry.requiredEnvVars.length === 0,
  tools: entry.tools.map((tool) => ({ ...tool, enabled: true })),
});

/** agent-runtimes' MCP server shapes: bare arrays, its entry fields, and `enabled` taken on create (a server added here runs). */
const agentRuntimesShape: McpServerShape = {
  list: (items) => items.map(agentRuntimesEntry),
  entry: agentRuntimesEntry,
  input: (body) => {
    if (typeof body !== "object" || body === null || !("enabled" in body)) return body;
    const { enabled, ...rest } = body;
    if (enabled === false) {
      throw new AppError("invalid_request", "a server added here is started at once: leave out enabled, or send true", {
        param: "enabled",
      });
    }
    return rest;
  },
};

/** `/api/v1/mcp/servers`: the same servers and handlers as `/v1/mcp/servers`, in agent-runtimes' shapes. */
export const agentRuntimesMcpRoutes = (context: GatewayContext) => mcpServerRoutes(context, agentRuntimesShape);
