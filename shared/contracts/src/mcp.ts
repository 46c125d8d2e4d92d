import { z } from "zod";

/** Ids of MCP servers: also used in tool names and URLs. */
export const McpServerId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "must be 1-64 letters, digits, '_', '.' or '-'");

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");

/**
 * Where a value for a server's `${NAME}` is kept when a client supplies it (agent-runtimes' `env_vars`): the credential
 * `env.NAME`, encrypted in the access service's store, read only by servers whose entry declares `${NAME}` and never
 * put into any process's own environment.
 */
export const envCredentialPrefix = "env.";
/** A variable a client may supply that way: short enough that `env.NAME` is a credential name. */
export const EnvVarName = EnvName.max(60);
export const envCredentialName = (name: string) => `${envCredentialPrefix}${name}`;

/**
 * The detail the mcp service sets on the error for a catalog entry that exists but is not enabled (stopped): an agent
 * may name it before it is started, and runs without its tools while it is stopped.
 */
export const stoppedCatalogDetail = "catalogStopped";
export const isStoppedCatalogServer = (error: { details?: Record<string, unknown> | undefined }) =>
  error.details?.[stoppedCatalogDetail] === true;

export const mcpLimits = { args: 64, argChars: 4096, envVars: 64, envChars: 8192, headers: 32, servers: 256 } as const;

/** A server started as a child process speaking MCP over stdio. Never run through a shell. */
export const McpStdioConfig = z
  .object({
    command: z.string().min(1).max(1024),
    args: z.array(z.string().max(mcpLimits.argChars)).max(mcpLimits.args).default([]),
    /**
     * Variables the process gets besides a fixed PATH and HOME. A value `${NAME}` is taken
     * from the mcp service's own environment (and NAME is listed in `requiredEnvVars`).
     */
    env: z
      .record(EnvName, z.string().max(mcpLimits.envChars))
      .refine((env) => Object.keys(env).length <= mcpLimits.envVars, "too many variables")
      .default({}),
  })
  .strict();

/** A server reached over HTTP: Streamable HTTP (default) or the legacy SSE transport. */
export const McpHttpConfig = z
  .object({
    url: z.string().url().max(2048),
    headers: z
      .record(z.string().max(256), z.string().max(8192))
      .refine((headers) => Object.keys(headers).length <= mcpLimits.headers, "too many headers")
      .default({}),
    transport: z.enum(["http", "sse"]).default("http"),
  })
  .strict();

export const McpServerConfig = z.union([McpStdioConfig, McpHttpConfig]);
export type McpServerConfig = z.infer<typeof McpServerConfig>;

/** The common `{"mcpServers": {"<id>": {...}}}` file format. */
export const McpConfigFile = z.object({ mcpServers: z.record(McpServerId, McpServerConfig) });
export type McpConfigFile = z.infer<typeof McpConfigFile>;

const Descriptions = { name: z.string().max(256).optional(), description: z.string().max(4096).optional() };

/** A server added at runtime (POST /v1/mcp/servers) or replaced (PUT). */
export const McpServerInput = z.union([
  McpStdioConfig.extend({ id: McpServerId, ...Descriptions }),
  McpHttpConfig.extend({ id: McpServerId, ...Descriptions }),
]);
export type McpServerInput = z.infer<typeof McpServerInput>;

export const McpTransport = z.enum(["stdio", "http", "sse"]);

/** A tool as a server entry lists it: its arguments' JSON Schema as the server declared it. */
export const McpToolSummary = z.object({
  name: z.string(),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()).default({ type: "object" }),
});

/** How a server is shown: the shape of agent-runtimes' server entries. */
export const McpServerEntry = z.object({
  id: McpServerId,
  name: z.string(),
  description: z.string(),
  transport: McpTransport,
  enabled: z.boolean(),
  isRunning: z.boolean(),
  /** From the config file (not added at runtime, not from the catalog). */
  isConfig: z.boolean(),
  /** From the catalog. */
  isCatalog: z.boolean(),
  tools: z.array(McpToolSummary),
  requiredEnvVars: z.array(z.string()),
  /** What a stdio server runs (its environment is never shown: it may hold secrets). */
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  /** Where an HTTP or SSE server is, without user info or query (either may carry a token). */
  url: z.string().optional(),
  /** Why it is not running, when it failed. */
  lastError: z.string().optional(),
});
export type McpServerEntry = z.infer<typeof McpServerEntry>;

export const McpServerList = z.object({ items: z.array(McpServerEntry), total: z.number().int().min(0) });
export type McpServerList = z.infer<typeof McpServerList>;

export const McpServerRef = z.object({ id: McpServerId });
export type McpServerRef = z.infer<typeof McpServerRef>;

export const McpUpdateRequest = z.object({ id: McpServerId, server: McpServerInput });
export type McpUpdateRequest = z.infer<typeof McpUpdateRequest>;

/** A tool as the mcp service hands it to executors and the registry: its arguments' JSON Schema parsed. */
export const McpToolSpec = z.object({
  name: z.string(),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()),
});
export type McpToolSpec = z.infer<typeof McpToolSpec>;

/** What a tool call returned: the MCP `content` parts, their text joined, and `structuredContent` (null when none). */
export const McpToolResult = z.object({
  content: z.array(z.unknown()),
  isError: z.boolean(),
  text: z.string(),
  structured: z.unknown(),
});
export type McpToolResult = z.infer<typeof McpToolResult>;
