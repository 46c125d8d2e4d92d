import { createRequire } from "node:module";
import { McpHttpConfig, McpStdioConfig } from "@switchyard/contracts";
import type { Logger } from "@switchyard/telemetry";
import { z } from "zod";
import { readServersFile, type ServerSpec, withoutHostile } from "./config-file.ts";

const Descriptions = { name: z.string().max(256), description: z.string().max(4096).default("") };

/**
 * A catalog entry run by the service's own Node binary from an installed package, so it
 * needs neither the network (npx) nor `node` on the servers' fixed PATH.
 */
const ModuleEntry = z
  .object({ module: z.string().min(1), args: McpStdioConfig.shape.args, env: McpStdioConfig.shape.env, ...Descriptions })
  .strict();

const CatalogEntry = z.union([ModuleEntry, McpStdioConfig.extend(Descriptions), McpHttpConfig.extend(Descriptions)]);

// Resolved from this package, which depends on the servers the catalog ships with.
const packageRequire = createRequire(import.meta.url);

function resolveModule(specifier: string): string | undefined {
  try {
    return packageRequire.resolve(specifier);
  } catch {
    return undefined;
  }
}

/** The catalog (MCP_CATALOG_PATH): servers that start only when enabled, module paths resolved now. */
export async function loadCatalog(path: string, protectedNames: readonly string[], logger: Logger): Promise<ServerSpec[]> {
  const entries = await readServersFile(path, CatalogEntry, logger);
  const specs = entries.map(({ id, entry }): ServerSpec => {
    const described = { id, name: entry.name, description: entry.description };
    if (!("module" in entry)) {
      const { name: _name, description: _description, ...config } = entry;
      return { ...described, config };
    }
    const script = resolveModule(entry.module);
    const config = { command: process.execPath, args: [script ?? entry.module, ...entry.args], env: entry.env };
    if (script) return { ...described, config };
    return { ...described, config, unavailable: `module '${entry.module}' is not installed (add its package to services/mcp)` };
  });
  return withoutHostile(specs, protectedNames, logger, path);
}
