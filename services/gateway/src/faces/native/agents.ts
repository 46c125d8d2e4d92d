import { endpoints, Usage } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Request, Response, Router } from "express";
import { z } from "zod";
import { audit } from "../../access/audit.ts";
import { principalOf } from "../../access/middleware.ts";
import { requireDefinition } from "../../access/permissions.ts";
import type { GatewayContext } from "../../context.ts";
import { accepted, submitExecution } from "../../core/executions.ts";
import { definitionsPage } from "../../core/listing.ts";
import { jsonObjectBody, nameParam, PageQuery } from "../../http/body.ts";
import { guardedRouter } from "../../http/guarded-router.ts";
import { runControl } from "../../http/run-control.ts";
import { streamRun } from "../../streaming/streamed-run.ts";
import { agentStreamEncoder, withAgentSpecUsage } from "./agent-events.ts";
import { CreateDefinitionBody, deployFromRequest } from "./deploy-body.ts";

/**
 * A turn: `message`, or AgentSpec's documented `input` (one of them), and AgentSpec's
 * `options` (temperature, max_tokens) for this turn's model calls.
 */
const TurnFields = z.object({
  message: z
    .string()
    .max(1024 * 1024)
    .optional(),
  input: z
    .string()
    .max(1024 * 1024)
    .optional(),
  session_id: z.string().max(64).optional(),
  variables: z.record(z.string(), z.unknown()).optional(),
  options: z
    .object({ temperature: z.number().min(0).max(2).optional(), max_tokens: z.number().int().min(1).max(1_000_000).optional() })
    .optional(),
});
const withMessage = <T extends { message?: string | undefined; input?: string | undefined }>(
  { input, message, ...rest }: T,
  context: z.RefinementCtx,
) => {
  const text = message ?? input;
  if (text === undefined) {
    context.addIssue({ code: "custom", message: "give the turn's text as message (or input)", path: ["message"] });
    return z.NEVER;
  }
  return { ...rest, message: text };
};
const InvokeBody = TurnFields.transform(withMessage);
/** The background twin's body: the invoke body and an optional callback. */
const RunsBody = TurnFields.extend({ callback_url: z.string().max(2048).optional() }).transform(withMessage);
type InvokeBody = z.infer<typeof InvokeBody>;
/** A new session's body (it may be left out): AgentSpec's `metadata`, answered back, not kept. */
const SessionBody = z.object({ metadata: z.record(z.string(), z.unknown()).optional() });

const sessionIdParam = (request: Request) => {
  const id = String(request.params.id);
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(id)) throw new AppError("not_found", `session '${id}' does not exist or has expired`);
  return id;
};

/**
 * The turn's result with AgentSpec's fields beside the native ones: `usage` with input and
 * output tokens, `tokens` as its SDKs read them, `duration_ms`, and each tool call's
 * `tool_name` and `output`.
 */
function agentSpecReply(outputs: Record<string, unknown>, durationMs: number) {
  const usage = Usage.safeParse(outputs.usage);
  const calls = z.array(z.looseObject({ name: z.string(), result: z.string() })).safeParse(outputs.tool_calls);
  return {
    ...outputs,
    usage: withAgentSpecUsage(outputs.usage),
    ...(usage.success
      ? { tokens: { input: usage.data.prompt_tokens, output: usage.data.completion_tokens, total: usage.data.total_tokens } }
      : {}),
    ...(calls.success ? { tool_calls: calls.data.map((call) => ({ ...call, tool_name: call.name, output: call.result })) } : {}),
    duration_ms: durationMs,
  };
}

/** Runs an agent turn, as JSON or as an SSE stream of `event: <type>` lines. */
async function invoke(context: GatewayContext, name: string, body: InvokeBody, response: Response, stream: boolean): Promise<void> {
  const inputs = {
    message: body.message,
    ...(body.session_id ? { session_id: body.session_id } : {}),
    ...(body.variables ? { variables: body.variables } : {}),
    ...(body.options ? { options: body.options } : {}),
  };
  const started = Date.now();
  const options = { deadlineMs: context.config.GATEWAY_RUN_TIMEOUT_MS, ...runControl(response), kind: "agent" as const };
  if (!stream) {
    const result = await context.runs.run(name, inputs, options);
    response.setHeader("x-switchyard-executor", result.executor);
    response.json(agentSpecReply(result.outputs, Date.now() - started));
    return;
  }
  await streamRun(response, agentStreamEncoder, (streamed) => context.runs.run(name, inputs, { ...options, ...streamed }));
}

/** AgentSpec-style agent routes, and the agent's sessions. */
export function agentRoutes(context: GatewayContext): Router {
  const router = guardedRouter(context);
  /** The agent the path names, which the key must be scoped to. */
  const agentParam = (request: Request) => {
    const name = nameParam(request);
    requireDefinition(principalOf(request), name);
    return name;
  };

  router.get(
    "/",
    "definitions.read",
    async (request, response) => {
      const { limit, offset } = PageQuery.parse(request.query);
      const page = await definitionsPage(context, principalOf(request), "agent", limit, offset);
      // AgentSpec's `agents` beside the native `items`.
      const agents = page.items.map((agent) => ({
        name: agent.name,
        model: agent.model ?? null,
        description: agent.description,
        status: "running",
        skills: [],
      }));
      response.json({ ...page, agents });
    },
    { summary: "List deployed agents", query: PageQuery },
  );
  router.get("/:name", "definitions.read", async (request, response) => {
    response.json(await context.call(endpoints.registryGet, { name: agentParam(request), kind: "agent" }));
  });
  // A raw YAML body (Content-Type: application/yaml) is taken too; the document shows the JSON one.
  router.post("/", "definitions.deploy", (request, response) => deployFromRequest(context, request, response, "agent"), {
    summary: "Deploy an agent",
    body: CreateDefinitionBody,
  });
  router.put(
    "/:name",
    "definitions.deploy",
    (request, response) => deployFromRequest(context, request, response, "agent", nameParam(request)),
    { summary: "Deploy an agent under this name (replacing it)", body: CreateDefinitionBody },
  );
  router.delete("/:name", "definitions.deploy", async (request, response) => {
    const name = agentParam(request);
    await context.call(endpoints.registryUndeploy, { name, kind: "agent" });
    audit(context, request, response, "definition.undeploy", name);
    response.status(204).end();
  });

  router.post(
    "/:name/invoke",
    "runs.invoke",
    (request, response) => invoke(context, agentParam(request), InvokeBody.parse(jsonObjectBody(request)), response, false),
    { summary: "Run an agent turn", body: InvokeBody },
  );
  router.post(
    "/:name/runs",
    "runs.invoke",
    async (request, response) => {
      const { callback_url: callbackUrl, ...body } = RunsBody.parse(jsonObjectBody(request));
      accepted(
        response,
        await submitExecution(context, principalOf(request), request, {
          kind: "agent",
          name: agentParam(request),
          inputs: body,
          ...(callbackUrl ? { callbackUrl } : {}),
        }),
      );
    },
    { summary: "Run an agent turn in the background (202, with an optional callback_url)", body: RunsBody },
  );
  router.post(
    "/:name/stream",
    "runs.invoke",
    (request, response) => invoke(context, agentParam(request), InvokeBody.parse(jsonObjectBody(request)), response, true),
    { summary: "Run an agent turn, streamed as SSE", body: InvokeBody },
  );

  router.post(
    "/:name/sessions",
    "runs.invoke",
    async (request, response) => {
      const name = agentParam(request);
      await context.call(endpoints.registryGet, { name, kind: "agent" });
      const session = await context.call(endpoints.sessionCreate, { agent: name });
      // AgentSpec's names beside the native ones; its `metadata` is answered back, not kept.
      const metadata = SessionBody.safeParse(request.body ?? {});
      response.status(201).json({
        id: session.id,
        agent: session.agent,
        createdAt: session.createdAt,
        session_id: session.id,
        created_at: session.createdAt,
        metadata: (metadata.success ? metadata.data.metadata : undefined) ?? {},
      });
    },
    { summary: "Open a session with an agent (the body may be left out)", body: SessionBody },
  );
  router.get(
    "/:name/sessions",
    "sessions.read",
    async (request, response) => {
      const { limit, offset } = PageQuery.parse(request.query);
      const page = await context.call(endpoints.sessionList, { agent: agentParam(request), limit, offset });
      // AgentSpec's `sessions` beside the native `items`.
      const sessions = page.items.map((session) => ({
        session_id: session.id,
        agent: session.agent,
        turns: session.turns ?? 0,
        created_at: session.createdAt,
        last_active_at: session.lastActiveAt ?? session.createdAt,
        metadata: {},
      }));
      response.json({ ...page, sessions });
    },
    { summary: "List an agent's sessions", query: PageQuery },
  );
  router.get("/:name/sessions/:id", "sessions.read", async (request, response) => {
    response.json(await context.call(endpoints.sessionGet, { agent: agentParam(request), id: sessionIdParam(request) }));
  });
  // `/messages` is the native name, `/continue` AgentSpec's documented one.
  router.post(
    ["/:name/sessions/:id/messages", "/:name/sessions/:id/continue"],
    "runs.invoke",
    async (request, response) => {
      const name = agentParam(request);
      const id = sessionIdParam(request);
      const body = InvokeBody.parse(jsonObjectBody(request));
      // The session must exist (and belong to this agent) before the turn runs.
      await context.call(endpoints.sessionGet, { agent: name, id });
      await invoke(context, name, { ...body, session_id: id }, response, request.query.stream === "true");
    },
    { summary: "Run a turn in a session (?stream=true streams it as SSE)", body: InvokeBody },
  );
  router.delete("/:name/sessions/:id", "runs.invoke", async (request, response) => {
    await context.call(endpoints.sessionDelete, { agent: agentParam(request), id: sessionIdParam(request) });
    response.status(204).end();
  });
  return router.router;
}
