import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type CommonConfig, commonEnv, grpcAddressEnv, redisEnv } from "@switchyard/config";
import { parseAllowList } from "@switchyard/net";
import { z } from "zod";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export const mcpEnv = {
  ...redisEnv,
  /** Where the mcp service's gRPC server binds (executors and the registry reach it there). */
  MCP_GRPC_ADDRESS: grpcAddressEnv.MCP_GRPC_ADDRESS,
  /** The access service, whose credentials store holds what `${credential:NAME}` values name. */
  ACCESS_GRPC_ADDRESS: grpcAddressEnv.ACCESS_GRPC_ADDRESS,
  /** A `{"mcpServers": {...}}` file whose servers start with the service. */
  MCP_CONFIG_PATH: z.string().optional(),
  /** Servers that start only when enabled; relative paths are taken from the repository root. */
  MCP_CATALOG_PATH: z
    .string()
    .default("services/mcp/catalog.json")
    .transform((path) => resolve(repoRoot, path)),
  /** How long a server may take to answer `initialize` (and its first tools/list). */
  MCP_HANDSHAKE_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** The longest a tool call may run, whatever deadline the caller sets. */
  MCP_CALL_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  /** First restart delay after a server failed; doubles on each failure in a row. */
  MCP_RESTART_INITIAL_MS: z.coerce.number().int().positive().default(500),
  MCP_RESTART_MAX_MS: z.coerce.number().int().positive().default(30_000),
  /** A server that stayed up this long starts again from the first delay when it fails. */
  MCP_RESTART_RESET_MS: z.coerce.number().int().positive().default(60_000),
  /** HTTP and SSE servers are pinged this often, since a dead peer does not close those transports. */
  MCP_PING_INTERVAL_MS: z.coerce.number().int().positive().default(15_000),
  /**
   * Comma-separated host names, IPs and CIDRs that servers added over the API may reach although they are not
   * public (loopback, private, link-local, metadata). Empty by default: the API can name public hosts only.
   */
  MCP_OUTBOUND_ALLOW: z
    .string()
    .default("")
    .transform((list) =>
      list
        .split(",")
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ""),
    )
    .superRefine((entries, context) => {
      try {
        parseAllowList(entries);
      } catch (error) {
        context.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
      }
    }),
};

export type McpConfig = z.infer<z.ZodObject<typeof mcpEnv>> & CommonConfig;

/** The service's own settings: servers may not read them through `${NAME}` references. */
export const serviceSettingNames: readonly string[] = [...Object.keys(commonEnv), ...Object.keys(mcpEnv)];
