import { DefinitionName, EnvVarName, endpoints, envCredentialName, type McpServerEntry } from "@switchyard/contracts";
import { toAppError } from "@switchyard/errors";
import type { Request, Response } from "express";
import { z } from "zod";
import { audit } from "../../access/audit.ts";
import { principalOf } from "../../access/middleware.ts";
import { requireDefinition, requirePermission } from "../../access/permissions.ts";
import type { GatewayContext } from "../../context.ts";
import { definitionsPage } from "../../core/listing.ts";
import { guardedRouter } from "../../http/guarded-router.ts";
import { notFoundAs, unlessNotFound } from "../../http/not-found.ts";
import { loadAgent, mcpServersOf } from "./agents.ts";

const EnvVar = z.object({
  name: EnvVarName,
  value: z
    .string()
    .min(1)
    .max(16 * 1024),
});
const StartBody = z.object({
  env_vars: z.array(EnvVar).max(32).default([]),
  jupyter_sandbox: z.string().max(4096).optional(),
  mcp_proxy_url: z.string().max(4096).optional(),
});
/** A start may come without a body (nothing to set). */
const optionalBody = (request: Request): unknown => (request.body === undefined ? {} : request.body);

/** Agents whose definitions are read at once. */
const loadBatch = 16;

const { idParam, orNotFound: orAgentNotFound } = notFoundAs(DefinitionName, "Agent not found");

interface Outcome {
  started_servers: string[];
  stopped_servers: string[];
  already_running: string[];
  already_stopped: string[];
  failed_servers: { server_id: string; error: string }[];
}
const emptyOutcome = (): Outcome => ({
  started_servers: [],
  stopped_servers: [],
  already_running: [],
  already_stopped: [],
  failed_servers: [],
});

const entryOrUndefined = (context: GatewayContext, id: string): Promise<McpServerEntry | undefined> =>
  unlessNotFound(context.call(endpoints.mcpGet, { id }));

const notCatalog = (id: string) =>
  `'${id}' is not a catalog server (it comes from the config file or was added over the API): it runs while it exists; ` +
  `remove it with DELETE /api/v1/mcp/servers/${id}`;

/**
 * Starts one catalog server: enabled if it was not, enabled again if it was but is not running (so it reads what the
 * store holds now). A server from the config file or the API is never started or stopped here.
 */
async function startOne(context: GatewayContext, id: string, outcome: Outcome): Promise<void> {
  const entry = await entryOrUndefined(context, id);
  if (!entry) {
    outcome.failed_servers.push({ server_id: id, error: "Server config not found" });
    return;
  }
  if (entry.isRunning) {
    outcome.already_running.push(id);
    return;
  }
  if (!entry.isCatalog) {
    outcome.failed_servers.push({ server_id: id, error: entry.lastError ?? notCatalog(id) });
    return;
  }
  try {
    if (entry.enabled) await context.call(endpoints.mcpDisable, { id });
    const started = await context.call(endpoints.mcpEnable, { id });
    if (started.isRunning) outcome.started_servers.push(id);
    else outcome.failed_servers.push({ server_id: id, error: started.lastError ?? "the server did not start" });
  } catch (error) {
    outcome.failed_servers.push({ server_id: id, error: toAppError(error).message });
  }
}

async function stopOne(context: GatewayContext, id: string, outcome: Outcome): Promise<void> {
  const entry = await entryOrUndefined(context, id);
  if (!entry) outcome.failed_servers.push({ server_id: id, error: "Server config not found" });
  else if (!entry.isCatalog) outcome.failed_servers.push({ server_id: id, error: notCatalog(id) });
  else if (!entry.enabled) outcome.already_stopped.push(id);
  else {
    try {
      await context.call(endpoints.mcpDisable, { id });
      outcome.stopped_servers.push(id);
    } catch (error) {
      outcome.failed_servers.push({ server_id: id, error: toAppError(error).message });
    }
  }
}

/** agent-runtimes' summary line: "Started 1 server(s), 1 already running, 1 failed" (and "across N agent(s)" for all). */
function summary(verb: "Started" | "Stopped", outcome: Outcome, agents: number | undefined): string {
  const done = verb === "Started" ? outcome.started_servers : outcome.stopped_servers;
  const already = verb === "Started" ? outcome.already_running : outcome.already_stopped;
  const parts = [`${verb} ${done.length} server(s)${agents === undefined ? "" : ` across ${agents} agent(s)`}`];
  if (already.length > 0) parts.push(`${already.length} already ${verb === "Started" ? "running" : "stopped"}`);
  if (outcome.failed_servers.length > 0) parts.push(`${outcome.failed_servers.length} failed`);
  return parts.join(", ");
}

/**
 * agent-runtimes' `POST /api/v1/agents[/{id}]/mcp-servers/start|stop`: the catalog MCP servers an agent's definition
 * names are enabled (started) or disabled (stopped) in the mcp service. Servers are shared: one runs for every agent
 * that names it, so stopping one agent's servers stops them for the others too. `env_vars` are stored as credentials
 * `env.NAME` (encrypted, needing `credentials.manage`), which fill the `${NAME}` values of the servers that declare
 * them; they never enter any process's environment. The Jupyter sandbox fields are accepted and not acted on (the code
 * sandbox is Switchyard's own, steered by the sandbox routes).
 */
export function agentRuntimesMcpLifecycleRoutes(context: GatewayContext) {
  const routes = guardedRouter(context);

  const load = (name: string) => loadAgent(context, name);
  /** The agents processed (one, or all the key may see, less any undeployed meanwhile) and the servers they name. */
  const agentsOf = async (request: Request, one: string | undefined): Promise<{ names: string[]; servers: string[] }> => {
    if (one) return { names: [one], servers: [...new Set(mcpServersOf(await orAgentNotFound(load(one))))].sort() };
    const all = (await definitionsPage(context, principalOf(request), "agent", 1000, 0)).items.map((agent) => agent.name);
    const names: string[] = [];
    const servers = new Set<string>();
    for (let start = 0; start < all.length; start += loadBatch) {
      const loaded = await Promise.all(
        all.slice(start, start + loadBatch).map(async (name) => ({ name, definition: await unlessNotFound(load(name)) })),
      );
      for (const { name, definition } of loaded) {
        if (!definition) continue;
        names.push(name);
        for (const server of mcpServersOf(definition)) servers.add(server);
      }
    }
    return { names, servers: [...servers].sort() };
  };

  const oneAgent = (request: Request) => {
    const id = idParam(request);
    requireDefinition(principalOf(request), id);
    return id;
  };

  /** Each env var as the credential `env.NAME`, replaced if it exists. */
  const storeEnvVars = async (request: Request, response: Response, envVars: z.infer<typeof EnvVar>[]) => {
    if (envVars.length === 0) return;
    requirePermission(principalOf(request), "credentials.manage");
    for (const { name, value } of envVars) {
      const credential = envCredentialName(name);
      await context.call(endpoints.accessCredentialPut, {
        name: credential,
        value,
        type: "mcp",
        description: `value of \${${name}} for the MCP servers that declare it`,
        metadata: { env_var: name },
        createdBy: principalOf(request).name,
      });
      audit(context, request, response, "credential.replace", credential);
    }
  };

  const start = (single: boolean) => async (request: Request, response: Response) => {
    const id = single ? oneAgent(request) : undefined;
    const body = StartBody.parse(optionalBody(request));
    const { names, servers } = await agentsOf(request, id);
    await storeEnvVars(request, response, body.env_vars);
    const outcome = emptyOutcome();
    for (const server of servers) await startOne(context, server, outcome);
    for (const server of outcome.started_servers) audit(context, request, response, "mcp.enable", server);
    // A Jupyter kernel is not offered: the code sandbox stays Switchyard's own (see /api/v1/agents/sandbox/status).
    const sandbox = body.jupyter_sandbox === undefined ? "" : "; jupyter_sandbox is not offered, the code sandbox stays quickjs-wasm";
    response.json({
      ...(single ? { agent_id: id } : { agents_processed: names }),
      ...outcome,
      codemode_rebuilt: false,
      ...(single ? {} : { sandbox_configured: false, sandbox_variant: null }),
      message: `${summary("Started", outcome, single ? undefined : names.length)}${sandbox}`,
    });
  };
  const stop = (single: boolean) => async (request: Request, response: Response) => {
    const id = single ? oneAgent(request) : undefined;
    const { names, servers } = await agentsOf(request, id);
    const outcome = emptyOutcome();
    for (const server of servers) await stopOne(context, server, outcome);
    for (const server of outcome.stopped_servers) audit(context, request, response, "mcp.disable", server);
    response.json({
      ...(single ? { agent_id: id } : { agents_processed: names }),
      ...outcome,
      codemode_rebuilt: false,
      message: summary("Stopped", outcome, single ? undefined : names.length),
    });
  };

  const startDoc = { summary: "Start the catalog MCP servers agents name (agent-runtimes)", body: StartBody };
  routes.post("/api/v1/agents/mcp-servers/start", "mcp.manage", start(false), startDoc);
  routes.post("/api/v1/agents/mcp-servers/stop", "mcp.manage", stop(false), { summary: "Stop the catalog MCP servers agents name" });
  routes.post("/api/v1/agents/:id/mcp-servers/start", "mcp.manage", start(true), startDoc);
  routes.post("/api/v1/agents/:id/mcp-servers/stop", "mcp.manage", stop(true), { summary: "Stop the catalog MCP servers an agent names" });
  return routes.router;
}
