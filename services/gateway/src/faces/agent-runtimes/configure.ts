import { endpoints, type McpServerEntry } from "@switchyard/contracts";
import { principalOf } from "../../access/middleware.ts";
import type { GatewayContext } from "../../context.ts";
import { definitionsPage } from "../../core/listing.ts";
import { guardedRouter } from "../../http/guarded-router.ts";
import { agentRuntimesEntry } from "./mcp-servers.ts";

/** The class name agent-runtimes (pydantic-ai) gives a toolset of each transport. */
const toolsetType = { stdio: "MCPServerStdio", http: "MCPServerStreamableHTTP", sse: "MCPServerSSE" } as const;

/**
 * agent-runtimes' `/api/v1/configure` family, read from the registry and the mcp service: the models the key's
 * agents use, the MCP servers that exist (config, API-added and catalog) and the tools of those that run; the state of
 * the enabled servers; and how each running one is reached.
 */
export function agentRuntimesConfigureRoutes(context: GatewayContext) {
  const routes = guardedRouter(context);
  const enabledServers = async (): Promise<McpServerEntry[]> =>
    (await context.call(endpoints.mcpAvailable, {})).items.filter((entry) => entry.enabled);

  routes.get("/api/v1/configure", "mcp.read", async (request, response) => {
    const [agents, servers] = await Promise.all([
      definitionsPage(context, principalOf(request), "agent", 1000, 0),
      context.call(endpoints.mcpAvailable, {}),
    ]);
    const models = [...new Set(agents.items.flatMap((agent) => (agent.model ? [agent.model] : [])))].sort();
    response.json({
      models: models.map((model) => ({ id: model, name: model, isAvailable: true })),
      mcp_servers: servers.items.map(agentRuntimesEntry),
      tools: servers.items
        .filter((entry) => entry.isRunning)
        .flatMap((entry) =>
          entry.tools.map((tool) => ({ name: tool.name, description: tool.description, server_id: entry.id, enabled: true })),
        ),
    });
  });
  routes.get("/api/v1/configure/mcp-toolsets-status", "mcp.read", async (_request, response) => {
    const servers = await enabledServers();
    const ready = servers.filter((entry) => entry.isRunning);
    const failed = servers.filter((entry) => !entry.isRunning);
    response.json({
      initialized: true,
      ready_count: ready.length,
      failed_count: failed.length,
      ready_servers: ready.map((entry) => entry.id),
      failed_servers: Object.fromEntries(failed.map((entry) => [entry.id, entry.lastError ?? "not running"])),
    });
  });
  routes.get("/api/v1/configure/mcp-toolsets-info", "mcp.read", async (_request, response) => {
    const running = (await enabledServers()).filter((entry) => entry.isRunning);
    response.json(
      running.map((entry) => ({
        type: toolsetType[entry.transport],
        id: entry.id,
        ...(entry.command === undefined ? {} : { command: entry.command, args: entry.args ?? [] }),
        ...(entry.url === undefined ? {} : { url: entry.url }),
      })),
    );
  });
  return routes.router;
}
