import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type CommonConfig, commonEnv, grpcAddressEnv, redisEnv } from "@switchyard/config";
import { parseJson } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { parseAllowList } from "@switchyard/net";
import { z } from "zod";
import { StdioAllowList } from "./stdio-allow.ts";

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
  /**
   * What stdio servers added or changed over the API may run: a JSON array of `{"command", "args"}` patterns (`*`
   * in an argument: a run of letters, digits, `.`, `_`, `-`) and `"catalog"` (the catalog's own entries). Config-file
   * and catalog servers are the operator's and are not held to it.
   */
  MCP_STDIO_ALLOW: z
    .string()
    .default('["catalog"]')
    .transform((text, context) => {
      try {
        return parseJson(StdioAllowList, text, (detail) => new AppError("invalid_request", detail));
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        context.addIssue({
          code: "custom",
          message: `${detail} (a JSON array of {"command", "args"} patterns or "catalog"; [] allows none)`,
        });
        return z.NEVER;
      }
    }),
  /** Where each stdio server gets a directory of its own; by default a fresh one under the OS temp directory, removed at stop. */
  MCP_SERVER_HOME: z
    .string()
    .optional()
    .transform((path) => (path ? resolve(repoRoot, path) : undefined)),
  /** Resource limits of stdio servers, set through prlimit (0: not limited). Address space in MiB. */
  MCP_STDIO_LIMIT_ADDRESS_SPACE_MB: z.coerce.number().int().nonnegative().default(2048),
  MCP_STDIO_LIMIT_OPEN_FILES: z.coerce.number().int().nonnegative().default(1024),
  /** Linux counts RLIMIT_NPROC over every process and thread of the service's user (root is exempt), not per server. */
  MCP_STDIO_LIMIT_PROCESSES: z.coerce.number().int().nonnegative().default(4096),
};

export type McpConfig = z.infer<z.ZodObject<typeof mcpEnv>> & CommonConfig;

/** The service's own settings: servers may not read them through `${NAME}` references. */
export const serviceSettingNames: readonly string[] = [...Object.keys(commonEnv), ...Object.keys(mcpEnv)];
