import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { endpoints, hopsMetaKey, type Principal, runLimits } from "@switchyard/contracts";
import { AppError, toAppError } from "@switchyard/errors";
import { serve } from "@switchyard/nats";
import type { Request, Router } from "express";
import { admitRun, estimateTokens } from "../../access/limits.ts";
import { principalOf } from "../../access/middleware.ts";
import { allowsTool, hasPermission } from "../../access/permissions.ts";
import type { GatewayContext } from "../../context.ts";
import { allDefinitions } from "../../core/listing.ts";
import { guardedRouter } from "../../http/guarded-router.ts";

/** Legacy SSE sessions one gateway holds at once. */
const maxSseSessions = 1000;

/** The MCP SDK is loaded on first use: a gateway that never serves MCP does not hold it in memory. */
const sdk = () =>
  Promise.all([
    import("@modelcontextprotocol/sdk/server/index.js"),
    import("@modelcontextprotocol/sdk/server/sse.js"),
    import("@modelcontextprotocol/sdk/server/streamableHttp.js"),
    import("@modelcontextprotocol/sdk/types.js"),
  ]).then(([index, sse, streamable, types]) => ({ ...index, ...sse, ...streamable, ...types }));

/**
 * An MCP server whose tools are the deployed pipelines and agents the key may call (none
 * without `runs.invoke`); made per connection, holding no state of its own.
 */
async function createToolServer(context: GatewayContext, principal: Principal): Promise<Server> {
  const { Server, ListToolsRequestSchema, CallToolRequestSchema } = await sdk();
  const server = new Server({ name: "switchyard", version: "0.1.0" }, { capabilities: { tools: {} } });
  const mayCall = (name: string) => hasPermission(principal, "runs.invoke") && allowsTool(principal, name);
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    const definitions = await allDefinitions(context, principal);
    return {
      tools: definitions
        .filter((definition) => !definition.skipMcp && mayCall(definition.name))
        .map((definition) => ({
          name: definition.name,
          description: definition.description || `Runs the ${definition.name} pipeline.`,
          inputSchema: { type: "object" as const, ...definition.inputSchema },
        })),
    };
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    // A tool the key may not call is, to it, a tool that does not exist.
    if (!mayCall(request.params.name))
      return { isError: true, content: [{ type: "text" as const, text: `unknown tool '${request.params.name}'` }] };
    // A call made by one of Switchyard's own runs (an agent whose tool server is this gateway) says how deep it is.
    const sent = request.params._meta?.[hopsMetaKey];
    const hops = typeof sent === "number" && Number.isInteger(sent) && sent > 0 ? sent : 0;
    if (hops >= runLimits.maxHops) {
      const text = `refused: this call is ${hops} runs deep through Switchyard's MCP endpoint (the limit is ${runLimits.maxHops})`;
      return { isError: true, content: [{ type: "text" as const, text }] };
    }
    const inputs = request.params.arguments ?? {};
    let usedTokens = 0;
    let settle: ((usedTokens: number) => void) | undefined;
    try {
      // The HTTP request was counted by the route; the run takes its tokens and concurrency slot here, per call.
      settle = await admitRun(context, principal, estimateTokens(inputs));
      const { outputs } = await context.runs.run(request.params.name, inputs, {
        deadlineMs: context.config.GATEWAY_RUN_TIMEOUT_MS,
        signal: extra.signal,
        onUsage: (usage) => {
          usedTokens += usage?.total_tokens ?? 0;
        },
        ...(hops > 0 ? { hops } : {}),
      });
      return { content: [{ type: "text" as const, text: JSON.stringify(outputs) }] };
    } catch (error) {
      // Tool failures (bad arguments included) are results the model can read, not protocol errors.
      const appError = toAppError(error);
      const message = appError.code === "not_found" ? `unknown tool '${request.params.name}'` : appError.message;
      return { isError: true, content: [{ type: "text" as const, text: message }] };
    } finally {
      settle?.(usedTokens);
    }
  });
  return server;
}

/**
 * The gateway as an MCP server. Streamable HTTP at `/mcp` runs stateless: every POST is
 * served on its own, so any replica answers any request. Legacy SSE (`/sse` + `/messages/`)
 * keeps a stream on one replica; a message posted to another replica reaches it over NATS.
 */
export function mcpEndpointRoutes(context: GatewayContext): Router {
  const router = guardedRouter(context);
  /** Each legacy stream, with the key that opened it: only that key may post to it. */
  const sessions = new Map<string, { transport: SSEServerTransport; keyId: string }>();

  router.post("/mcp", "definitions.read", async (request, response) => {
    const { StreamableHTTPServerTransport } = await sdk();
    const server = await createToolServer(context, principalOf(request));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    response.once("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response, request.body);
  });
  router.all("/mcp", "definitions.read", () => {
    throw new AppError("method_not_allowed", "this MCP endpoint is stateless: use POST");
  });

  router.get("/sse", "definitions.read", async (request, response) => {
    if (sessions.size >= maxSseSessions) throw new AppError("unavailable", "too many MCP SSE sessions on this gateway");
    const { SSEServerTransport } = await sdk();
    const transport = new SSEServerTransport("/messages/", response);
    const principal = principalOf(request);
    const server = await createToolServer(context, principal);
    const sessionId = transport.sessionId;
    sessions.set(sessionId, { transport, keyId: principal.keyId });
    // Messages posted to another replica arrive here over NATS.
    const remote = serve(
      context.bus,
      endpoints.gatewayMcpSession,
      async ({ keyId, message }) => {
        if (keyId !== principal.keyId) throw new AppError("not_found", "unknown MCP session");
        await transport.handleMessage(message);
        return {};
      },
      { logger: context.logger, tracer: context.tracer, token: sessionId },
    );
    response.once("close", () => {
      sessions.delete(sessionId);
      remote.unsubscribe();
      void server.close();
    });
    await server.connect(transport);
  });

  router.post("/messages", "definitions.read", async (request: Request, response) => {
    const sessionId = typeof request.query.sessionId === "string" ? request.query.sessionId : "";
    const { keyId } = principalOf(request);
    const local = sessions.get(sessionId);
    if (local?.keyId === keyId) {
      await local.transport.handlePostMessage(request, response, request.body);
      return;
    }
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(sessionId)) throw new AppError("not_found", "unknown MCP session");
    try {
      await context.call(endpoints.gatewayMcpSession, { keyId, message: request.body }, { token: sessionId });
    } catch (error) {
      const appError = toAppError(error);
      throw appError.code === "unavailable" ? new AppError("not_found", "unknown MCP session") : appError;
    }
    response.status(202).end("Accepted");
  });
  return router.router;
}
