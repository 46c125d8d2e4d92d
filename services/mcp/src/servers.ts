import type { McpServerConfig, McpServerEntry, McpServerInput, McpUpdateRequest } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Logger } from "@switchyard/telemetry";
import type { ServerSpec } from "./config-file.ts";
import { requiredCredentials } from "./credentials.ts";
import { byId, configOf, type ServerSource, specOf, toEntry } from "./entries.ts";
import { createWorkdir } from "./sandbox.ts";
import { apiEnvNameProblem, assertNoEnvironmentReferences, assertSafeServer, serverProblem } from "./security.ts";
import { compileStdioAllow, type StdioAllow, type StdioAllowEntry, stdioAllowProblem } from "./stdio-allow.ts";
import type { McpStore } from "./store.ts";
import { createSupervisor, type Supervisor, type SupervisorOptions } from "./supervisor.ts";
import { createLaunch, type LaunchContext, LaunchError } from "./transports.ts";

/** One server the service runs (or tries to). */
export interface Managed {
  spec: ServerSpec;
  source: ServerSource;
  supervisor: Supervisor;
  /** Stops it for good and removes its directory. */
  close(): Promise<void>;
}

export interface ServerTableOptions {
  store: McpStore;
  logger: Logger;
  launchContext: LaunchContext;
  supervision: Pick<SupervisorOptions, "handshakeTimeoutMs" | "pingIntervalMs" | "backoff">;
  /** Settings of the service that `${NAME}` may not read. */
  protectedNames: readonly string[];
  maxServers: number;
  /** MCP_STDIO_ALLOW: what stdio servers added or changed over the API may run (`"catalog"`: the catalog's entries). */
  stdioAllow: readonly StdioAllowEntry[];
  /** Refuses a URL a request names that may not be reached (the outbound guard's `checkUrl`). */
  checkUrl(url: string): Promise<void>;
  /** A server started, stopped, failed or changed its tools. */
  onChange(id: string, source: ServerSource, state: { isRunning: boolean; lastError?: string }): void;
}

/**
 * Every server the service knows, in two namespaces: config and runtime-added servers by
 * id, and the catalog by id (enabled ones running). The same id may exist in both; tools
 * resolve to the config/runtime server first.
 */
export function createServerTable(options: ServerTableOptions) {
  const { store, logger } = options;
  const servers = new Map<string, Managed>();
  const catalog = new Map<string, ServerSpec>();
  const enabled = new Map<string, Managed>();

  // Compiled again at start, when the catalog is known.
  let allow: StdioAllow = compileStdioAllow(options.stdioAllow, []);

  /** `guarded`: the server came through the API, so its URL may reach only what the outbound guard lets through. */
  function manage(spec: ServerSpec, source: ServerSource, guarded: boolean): Managed {
    const workdir = createWorkdir(options.launchContext.home, `${source}-${spec.id}`);
    const supervisor = createSupervisor({
      ...options.supervision,
      id: spec.id,
      logger,
      launch: async () => {
        if (spec.unavailable) throw new LaunchError(spec.unavailable);
        return createLaunch(spec.config, options.launchContext, { guarded, directory: workdir.path });
      },
      onChange: () => options.onChange(spec.id, source, supervisor.state()),
    });
    const close = async () => {
      await supervisor.stop();
      await workdir.remove();
    };
    return { spec, source, supervisor, close };
  }

  /**
   * Why a stdio server from the API (added, changed, or stored by an earlier add) may not run: its command and
   * arguments must match MCP_STDIO_ALLOW, and its variables may not redirect where the program gets its code.
   */
  function apiStdioProblem(config: McpServerConfig): { problem: string; param: string } | undefined {
    if (!("command" in config)) return undefined;
    const problem = stdioAllowProblem(allow, config.command, config.args);
    if (problem) return { problem, param: "command" };
    for (const name of Object.keys(config.env)) {
      const envProblem = apiEnvNameProblem(name);
      if (envProblem) return { problem: envProblem, param: `env.${name}` };
    }
    return undefined;
  }

  /** Everything a server from the API must pass, before anything is stored, spawned or connects. */
  async function assertApiServer(config: McpServerConfig, paramPrefix: string): Promise<void> {
    const refused = apiStdioProblem(config);
    if (refused?.param === "command") throw new AppError("invalid_request", refused.problem, { param: `${paramPrefix}command` });
    assertSafeServer(config, options.protectedNames);
    if (refused) throw new AppError("invalid_request", refused.problem, { param: `${paramPrefix}${refused.param}` });
    assertNoEnvironmentReferences(config);
    await assertReachable(config, `${paramPrefix}url`);
  }

  const entryOf = (managed: Managed) => toEntry(managed.spec, managed.source, managed.supervisor.state());
  const catalogEntry = (spec: ServerSpec) => toEntry(spec, "catalog", enabled.get(spec.id)?.supervisor.state());

  function assertRoom(): void {
    if (servers.size + enabled.size >= options.maxServers) {
      throw new AppError("conflict", `the mcp service runs at most ${options.maxServers} servers`);
    }
  }

  function existing(id: string): Managed {
    const managed = servers.get(id);
    if (!managed) throw new AppError("not_found", `MCP server '${id}' does not exist`, { param: "id" });
    return managed;
  }

  /** Before anything is stored or connects: a URL the API names must reach a public (or allow-listed) address. */
  async function assertReachable(config: McpServerConfig, param: string): Promise<void> {
    if (!("url" in config)) return;
    await options.checkUrl(config.url).catch((error: unknown) => {
      throw error instanceof AppError ? new AppError(error.code, error.message, { param, cause: error }) : error;
    });
  }

  async function stopped(managed: Managed): Promise<void> {
    await managed.close();
    options.onChange(managed.spec.id, managed.source, { isRunning: false });
  }

  /** A stored stdio server MCP_STDIO_ALLOW does not (or no longer) allow is listed, failed with the rule, and never spawned. */
  function restoredSpec(spec: ServerSpec): ServerSpec {
    const refused = apiStdioProblem(spec.config);
    if (!refused) return spec;
    logger.warn({ event: "mcp.server.refused", server: spec.id, reason: refused.problem }, "stored mcp server refused: not started");
    return { ...spec, unavailable: refused.problem };
  }

  async function restore(configSpecs: ServerSpec[]): Promise<void> {
    for (const spec of configSpecs) {
      if (servers.size < options.maxServers) servers.set(spec.id, manage(spec, "config", false));
      else logger.warn({ event: "mcp.server.skipped", server: spec.id, reason: "too many servers" }, "config mcp server skipped");
    }
    for (const stored of await store.servers()) {
      const problem = stored.input ? serverProblem(configOf(stored.input), options.protectedNames) : stored.invalid;
      const skip = servers.has(stored.id) ? "a config server has the same id" : problem;
      const reason = skip ?? (servers.size >= options.maxServers ? "too many servers" : undefined);
      if (reason || !stored.input) logger.warn({ event: "mcp.server.skipped", server: stored.id, reason }, "stored mcp server skipped");
      // Not checked here: a stored URL the allow-list no longer opens fails at connect, and is shown failed.
      else servers.set(stored.id, manage(restoredSpec(specOf(stored.input)), "runtime", true));
    }
    for (const id of await store.enabledCatalog()) {
      const spec = catalog.get(id);
      const reason = !spec ? "not in the catalog" : servers.size + enabled.size >= options.maxServers ? "too many servers" : undefined;
      if (reason || !spec) logger.warn({ event: "mcp.server.skipped", server: id, reason }, "enabled catalog entry skipped");
      else enabled.set(id, manage(spec, "catalog", false));
    }
  }

  return {
    /** Registers every source and settles each server's first attempt. */
    async start(configSpecs: ServerSpec[], catalogSpecs: ServerSpec[]): Promise<void> {
      for (const spec of catalogSpecs) catalog.set(spec.id, spec);
      allow = compileStdioAllow(options.stdioAllow, catalogSpecs);
      await restore(configSpecs);
      await Promise.all([...servers.values(), ...enabled.values()].map((managed) => managed.supervisor.start()));
    },
    async stop(): Promise<void> {
      const all = [...servers.values(), ...enabled.values()];
      servers.clear();
      enabled.clear();
      await Promise.all(all.map((managed) => managed.close()));
    },
    /**
     * A credential was stored, replaced or deleted: every server whose entry names it connects again with what the
     * store holds now (a deleted one fails, naming it). Resolves once those attempts settled.
     */
    async credentialChanged(name: string): Promise<void> {
      const affected = [...servers.values(), ...enabled.values()].filter((managed) =>
        requiredCredentials(managed.spec.config).includes(name),
      );
      for (const managed of affected) {
        logger.info(
          { event: "mcp.server.restarting", server: managed.spec.id, credential: name },
          "credential changed: mcp server restarts",
        );
      }
      await Promise.all(affected.map((managed) => managed.supervisor.restart()));
    },
    /** For tool calls: config/runtime first, then enabled catalog entries. */
    resolve: (id: string): Managed | undefined => servers.get(id) ?? enabled.get(id),
    inCatalog: (id: string): boolean => catalog.has(id),
    running: (): McpServerEntry[] =>
      [...servers.values(), ...enabled.values()]
        .map(entryOf)
        .filter((entry) => entry.isRunning)
        .sort(byId),
    config: (): McpServerEntry[] =>
      [...servers.values()]
        .filter((managed) => managed.source === "config")
        .map(entryOf)
        .sort(byId),
    catalog: (): McpServerEntry[] => [...catalog.values()].map(catalogEntry).sort(byId),
    available: (): McpServerEntry[] => [...[...servers.values()].map(entryOf), ...[...catalog.values()].map(catalogEntry)].sort(byId),
    get(id: string): McpServerEntry {
      const managed = servers.get(id);
      if (managed) return entryOf(managed);
      const spec = catalog.get(id);
      if (spec) return catalogEntry(spec);
      throw new AppError("not_found", `MCP server '${id}' does not exist`, { param: "id" });
    },
    async add(input: McpServerInput): Promise<McpServerEntry> {
      await assertApiServer(configOf(input), "");
      if (servers.has(input.id)) throw new AppError("conflict", `MCP server '${input.id}' already exists`, { param: "id" });
      assertRoom();
      const managed = manage(specOf(input), "runtime", true);
      servers.set(input.id, managed);
      await store.putServer(input).catch((error: unknown) => {
        servers.delete(input.id);
        throw error;
      });
      await managed.supervisor.start();
      return entryOf(managed);
    },
    async update({ id, server }: McpUpdateRequest): Promise<McpServerEntry> {
      if (server.id !== id) throw new AppError("invalid_request", "server.id must be the id being updated", { param: "server.id" });
      const previous = existing(id);
      await assertApiServer(configOf(server), "server.");
      // Config servers are replaced until the next start: the file stays the source of truth.
      if (previous.source === "runtime") await store.putServer(server);
      if (servers.get(id) !== previous) throw new AppError("conflict", `MCP server '${id}' changed meanwhile`, { param: "id" });
      const replacement = manage(specOf(server), previous.source, true);
      servers.set(id, replacement);
      await previous.close();
      await replacement.supervisor.start();
      return entryOf(replacement);
    },
    async remove(id: string): Promise<void> {
      const managed = existing(id);
      servers.delete(id);
      if (managed.source === "runtime") {
        await store.removeServer(id).catch((error: unknown) => {
          if (!servers.has(id)) servers.set(id, managed);
          throw error;
        });
      }
      await stopped(managed);
    },
    async enable(id: string): Promise<McpServerEntry> {
      const spec = catalog.get(id);
      if (!spec) throw new AppError("not_found", `'${id}' is not in the MCP catalog`, { param: "id" });
      if (enabled.has(id)) throw new AppError("conflict", `catalog server '${id}' is already enabled`, { param: "id" });
      assertRoom();
      const managed = manage(spec, "catalog", false);
      enabled.set(id, managed);
      await store.enable(id).catch((error: unknown) => {
        enabled.delete(id);
        throw error;
      });
      await managed.supervisor.start();
      return catalogEntry(spec);
    },
    async disable(id: string): Promise<void> {
      const managed = enabled.get(id);
      if (!managed) throw new AppError("not_found", `catalog server '${id}' is not enabled`, { param: "id" });
      enabled.delete(id);
      await store.disable(id).catch((error: unknown) => {
        if (!enabled.has(id)) enabled.set(id, managed);
        throw error;
      });
      await stopped(managed);
    },
  };
}

export type ServerTable = ReturnType<typeof createServerTable>;
