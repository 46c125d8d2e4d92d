import { DefinitionName, endpoints, McpServerId } from "@switchyard/contracts";
import type { AgentDefinition } from "@switchyard/definitions";
import type { Request, Response } from "express";
import { z } from "zod";
import { audit } from "../../access/audit.ts";
import { principalOf } from "../../access/middleware.ts";
import { requireDefinition } from "../../access/permissions.ts";
import type { GatewayContext } from "../../context.ts";
import { definitionsPage } from "../../core/listing.ts";
import { jsonObjectBody } from "../../http/body.ts";
import { guardedRouter } from "../../http/guarded-router.ts";
import { notFoundAs } from "../../http/not-found.ts";
import { runControl } from "../../http/run-control.ts";
import type { SseFrame } from "../../http/sse.ts";
import { type StreamEncoder, streamRun } from "../../streaming/streamed-run.ts";
import { loadAgent, mcpServersOf } from "./agents.ts";
import { sandboxRoutes } from "./sandbox.ts";

/** agent-runtimes' agent body: its `id` is the agent's name, `system_prompt` its instructions. */
const AgentBody = z.object({
  id: DefinitionName,
  name: z.string().max(4096).optional(),
  model: z.string().min(1).max(256).optional(),
  system_prompt: z
    .string()
    .max(64 * 1024)
    .optional(),
});
/** A replacement's body: the same, its `id` the path's (one in the body is passed over). */
const AgentUpdateBody = AgentBody.omit({ id: true });
const McpSelection = z.object({ selected_mcp_servers: z.array(McpServerId).max(64) });
const PromptBody = z.object({ message: z.string().max(1024 * 1024), conversation_id: z.string().min(1).max(256).optional() });

const { idParam, orNotFound: orAgentNotFound } = notFoundAs(DefinitionName, "Agent not found");
const agentId = (request: Request) => {
  const id = idParam(request);
  requireDefinition(principalOf(request), id);
  return id;
};

/** agent-runtimes' prompt stream: `data:` lines only, `{"type": "text" | "tool_call" | "tool_result" | "done"}`. */
const promptEncoder: StreamEncoder = {
  event: (event): SseFrame[] => {
    switch (event.type) {
      case "delta":
        return [{ data: { type: "text", content: event.text } }];
      case "tool_call":
        return [{ data: { type: "tool_call", id: event.id ?? "", name: event.name ?? "", args: event.arguments ?? "" } }];
      case "tool_result":
        return [{ data: { type: "tool_result", id: event.id, name: event.name, result: event.content, is_error: event.is_error } }];
    }
  },
  done: (result) => [{ data: { type: "done", usage: result.outputs.usage ?? null } }],
  error: (error) => [{ data: { type: "error", detail: error.message, status_code: 0, code: error.code } }],
};

/**
 * agent-runtimes under `/api/v1` (first part): agents (list, get, create, update, delete),
 * prompts (SSE and sync), health and readiness, over the same registry and executors as every
 * other face. Errors are `{"detail", "status_code"}` (the `/api/v1` rendering).
 */
export function agentRuntimesRoutes(context: GatewayContext) {
  const routes = guardedRouter(context);
  const describe = (definition: AgentDefinition) => ({
    id: definition.name,
    name: definition.description || definition.name,
    transport: "streaming",
    model: definition.model,
    system_prompt: definition.instructions,
    mcp_toolsets: mcpServersOf(definition),
  });
  const load = (name: string) => orAgentNotFound(loadAgent(context, name));
  const deploy = async (request: Request, response: Response, body: z.infer<typeof AgentBody>, overwrite: boolean) => {
    requireDefinition(principalOf(request), body.id);
    const source = JSON.stringify({
      kind: "agent",
      name: body.id,
      description: body.name ?? "",
      ...(body.model ? { model: body.model } : {}),
      instructions: body.system_prompt ?? "",
      memory: "session",
    });
    await context.call(endpoints.registryDeploy, { name: body.id, kind: "agent", source, overwrite });
    audit(context, request, response, "definition.deploy", body.id);
    return describe(await load(body.id));
  };

  routes.get("/api/v1/agents", "definitions.read", async (request, response) => {
    const page = await definitionsPage(context, principalOf(request), "agent", 1000, 0);
    response.json({
      agents: page.items.map((agent) => ({
        id: agent.name,
        name: agent.description || agent.name,
        transport: "streaming",
        model: agent.model ?? null,
      })),
    });
  });
  routes.post(
    "/api/v1/agents",
    "definitions.deploy",
    async (request, response) => {
      response.status(201).json(await deploy(request, response, AgentBody.parse(jsonObjectBody(request)), false));
    },
    { summary: "Create an agent (agent-runtimes)", body: AgentBody },
  );
  routes.get("/api/v1/agents/:id", "definitions.read", async (request, response) => {
    response.json(describe(await load(agentId(request))));
  });
  routes.put(
    "/api/v1/agents/:id",
    "definitions.deploy",
    async (request, response) => {
      const id = agentId(request);
      await load(id);
      const raw = jsonObjectBody(request);
      const body = { ...AgentUpdateBody.parse({ ...(typeof raw === "object" && raw !== null ? raw : {}) }), id };
      response.json(await deploy(request, response, body, true));
    },
    { summary: "Replace an agent (agent-runtimes)", body: AgentUpdateBody },
  );
  sandboxRoutes(context, routes);
  /** Replaces the agent's MCP servers (its pipeline tools stay): a new version, used from the next turn on. */
  routes.patch(
    "/api/v1/agents/:id/mcp-servers",
    "definitions.deploy",
    async (request, response) => {
      const id = agentId(request);
      const { selected_mcp_servers: selected } = McpSelection.parse(jsonObjectBody(request));
      const definition = await load(id);
      const kept = definition.tools.filter((tool) => !("mcp" in tool));
      const source = JSON.stringify({ ...definition, tools: [...kept, ...[...new Set(selected)].map((server) => ({ mcp: server }))] });
      await context.call(endpoints.registryDeploy, { name: id, kind: "agent", source, overwrite: true });
      audit(context, request, response, "definition.deploy", id);
      response.json({ agent_id: id, selected_mcp_servers: [...new Set(selected)], message: "MCP servers updated successfully" });
    },
    { summary: "Replace the MCP servers an agent uses (agent-runtimes)", body: McpSelection },
  );
  routes.delete("/api/v1/agents/:id", "definitions.deploy", async (request, response) => {
    const id = agentId(request);
    await orAgentNotFound(context.call(endpoints.registryUndeploy, { name: id, kind: "agent" }));
    audit(context, request, response, "definition.undeploy", id);
    response.json({ status: "deleted", id });
  });

  /** A prompt as a chat turn: a conversation id names the agent's session (per key). */
  const turn = (request: Request) => {
    const body = PromptBody.parse(jsonObjectBody(request));
    return {
      message: body.message,
      ...(body.conversation_id ? { conversation: `${principalOf(request).keyId}:agent-runtimes:${body.conversation_id}` } : {}),
    };
  };
  routes.post(
    "/api/v1/agents/:id/prompt",
    "runs.invoke",
    async (request, response) => {
      const id = agentId(request);
      const chat = turn(request);
      const control = runControl(response);
      await streamRun(response, promptEncoder, (streamed) =>
        orAgentNotFound(
          context.runs.run(id, {}, { deadlineMs: context.config.GATEWAY_RUN_TIMEOUT_MS, ...control, kind: "agent", chat, ...streamed }),
        ),
      );
    },
    { summary: "Prompt an agent, answered as SSE (agent-runtimes)", body: PromptBody },
  );
  routes.post(
    "/api/v1/agents/:id/prompt/sync",
    "runs.invoke",
    async (request, response) => {
      const id = agentId(request);
      const chat = turn(request);
      const result = await orAgentNotFound(
        context.runs.run(id, {}, { deadlineMs: context.config.GATEWAY_RUN_TIMEOUT_MS, ...runControl(response), kind: "agent", chat }),
      );
      const usage = result.usage;
      response.json({
        response: result.chat?.text ?? "",
        tool_calls: result.outputs.tool_calls ?? [],
        usage: usage
          ? { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, total_tokens: usage.total_tokens }
          : null,
        conversation_id: result.outputs.session_id ?? null,
      });
    },
    { summary: "Prompt an agent and wait for the answer (agent-runtimes)", body: PromptBody },
  );
  return routes.router;
}
