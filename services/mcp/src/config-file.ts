import { readFile } from "node:fs/promises";
import { McpServerConfig, McpServerId, parseJson } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Logger } from "@switchyard/telemetry";
import { z } from "zod";
import { serverProblem } from "./security.ts";

/** A server as the service knows it, whichever source it came from. */
export interface ServerSpec {
  id: string;
  name: string;
  description: string;
  config: McpServerConfig;
  /** Set when it can't start as shipped (a catalog module that isn't installed). */
  unavailable?: string;
}

const ServersFile = z.object({ mcpServers: z.record(z.string(), z.unknown()) });

/**
 * Reads a `{"mcpServers": {...}}` file and parses each entry on its own, so one bad or
 * hostile entry is logged and skipped instead of stopping the service. A file that is
 * missing or not that shape at all is a deployment mistake and throws.
 */
export async function readServersFile<T extends z.ZodType>(
  path: string,
  entrySchema: T,
  logger: Logger,
): Promise<{ id: string; entry: z.infer<T> }[]> {
  const unreadable = (detail: string) => new AppError("invalid_request", `${path} is not an MCP servers file: ${detail}`);
  const file = parseJson(ServersFile, await readFile(path, "utf8"), unreadable);
  const entries: { id: string; entry: z.infer<T> }[] = [];
  for (const [id, raw] of Object.entries(file.mcpServers)) {
    const parsedId = McpServerId.safeParse(id);
    const parsed = entrySchema.safeParse(raw);
    if (!parsedId.success || !parsed.success) {
      const issue = parsedId.success ? parsed.error?.issues[0] : parsedId.error.issues[0];
      logger.warn({ event: "mcp.server.skipped", server: id, path, reason: issue?.message }, "mcp server entry is invalid: skipped");
      continue;
    }
    entries.push({ id, entry: parsed.data });
  }
  return entries;
}

/** Keeps the specs that may run; logs and drops the rest (`sh -c`, NODE_OPTIONS, …). */
export function withoutHostile(specs: ServerSpec[], protectedNames: readonly string[], logger: Logger, path: string): ServerSpec[] {
  return specs.filter((spec) => {
    const problem = serverProblem(spec.config, protectedNames);
    if (problem) logger.warn({ event: "mcp.server.skipped", server: spec.id, path, reason: problem }, "mcp server refused: skipped");
    return !problem;
  });
}

/** The servers of the MCP_CONFIG_PATH file, started with the service. */
export async function loadConfigServers(path: string, protectedNames: readonly string[], logger: Logger): Promise<ServerSpec[]> {
  const entries = await readServersFile(path, McpServerConfig, logger);
  const specs = entries.map(({ id, entry }) => ({ id, name: id, description: "", config: entry }));
  return withoutHostile(specs, protectedNames, logger, path);
}
