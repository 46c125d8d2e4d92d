import type { McpServerConfig, McpServerEntry, McpServerInput } from "@switchyard/contracts";
import type { ServerSpec } from "./config-file.ts";
import { requiredEnvVars } from "./security.ts";
import type { ServerState } from "./supervisor.ts";

/** Where a server came from. Config and runtime servers share one namespace, the catalog has its own. */
export type ServerSource = "config" | "runtime" | "catalog";

/** The connection config of a runtime input, without its id and descriptions. */
export function configOf(input: McpServerInput): McpServerConfig {
  const { id: _id, name: _name, description: _description, ...config } = input;
  return config;
}

export function specOf(input: McpServerInput): ServerSpec {
  return { id: input.id, name: input.name ?? input.id, description: input.description ?? "", config: configOf(input) };
}

/** Where a server is, as shown: no user info, query or fragment, any of which may carry a token. */
function shownUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

const notStarted: ServerState = { isRunning: false, tools: [] };

/** How a server is shown over NATS: every field of McpServerEntry filled. */
export function toEntry(spec: ServerSpec, source: ServerSource, state: ServerState | undefined): McpServerEntry {
  const current = state ?? notStarted;
  return {
    id: spec.id,
    name: spec.name,
    description: spec.description,
    transport: "command" in spec.config ? "stdio" : spec.config.transport,
    // Catalog entries are listed whether enabled or not; the others exist only while enabled.
    enabled: state !== undefined,
    isRunning: current.isRunning,
    isConfig: source === "config",
    isCatalog: source === "catalog",
    tools: current.tools.map((tool) => ({ name: tool.name, description: tool.description ?? "", inputSchema: tool.inputSchema })),
    requiredEnvVars: requiredEnvVars(spec.config),
    ...("command" in spec.config ? { command: spec.config.command, args: spec.config.args } : { url: shownUrl(spec.config.url) }),
    ...(current.lastError === undefined ? {} : { lastError: current.lastError }),
  };
}

export const byId = (left: { id: string }, right: { id: string }) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0);
