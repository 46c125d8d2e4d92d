import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { endpoints } from "@switchyard/contracts";
import { AppError, toAppError } from "@switchyard/errors";
import { serve } from "@switchyard/nats";
import { Router } from "express";
import type { GatewayContext } from "../../context.ts";
import { allDefinitions } from "../../core/listing.ts";

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

/** An MCP server whose tools are the deployed pipelines; made per connection, holding no state of its own. */
async function createToolServer(context: GatewayContext): Promise<Server> {
  const { Server, ListToolsRequestSchema, CallToolRequestSchema } = await sdk();
  const server = new Server({ name: "switchyard", version: "0.1.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    const definitions = await allDefinitions(context);
    return {
      tools: definitions
        .filter((definition) => !definition.skipMcp)
        .map((definition) => ({
          name: definition.name,
          description: definition.description || `Runs the ${definition.name} pipeline.`,
          inputSchema: { type: "object" as const, ...definition.inputSchema },
        })),
    };
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    try {
      const { outputs } = await context.runs.run(request.params.name, request.params.arguments ?? {}, {
        deadlineMs: context.config.GATEWAY_RUN_TIMEOUT_MS,
        signal: extra.signal,
      });
      return { content: [{ type: "text" as const, text: JSON.stringify(outputs) }] };
    } catch (error) {
      // Tool failures (bad arguments included) are results the model can read, not protocol errors.
      const appError = toAppError(error);
      const message = appError.code === "not_found" ? `unknown tool '${request.params.name}'` : appError.message;
      return { isError: true, content: [{ type: "text" as const, text: message }] };
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
  const router = Router();
  const sessions = new Map<string, SSEServerTransport>();

  router.post("/mcp", async (request, response) => {
    const { StreamableHTTPServerTransport } = await sdk();
    const server = await createToolServer(context);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    response.once("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response, request.body);
  });
  router.all("/mcp", () => {
    throw new AppError("method_not_allowed", "this MCP endpoint is stateless: use POST");
  });

  router.get("/sse", async (_request, response) => {
    if (sessions.size >= maxSseSessions) throw new AppError("unavailable", "too many MCP SSE sessions on this gateway");
    const { SSEServerTransport } = await sdk();
    const transport = new SSEServerTransport("/messages/", response);
    const server = await createToolServer(context);
    const sessionId = transport.sessionId;
    sessions.set(sessionId, transport);
    // Messages posted to another replica arrive here over NATS.
    const remote = serve(
      context.bus,
      endpoints.gatewayMcpSession,
      async (message) => {
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

  router.post("/messages", async (request, response) => {
    const sessionId = typeof request.query.sessionId === "string" ? request.query.sessionId : "";
    const local = sessions.get(sessionId);
    if (local) {
      await local.handlePostMessage(request, response, request.body);
      return;
    }
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(sessionId)) throw new AppError("not_found", "unknown MCP session");
    try {
      await context.call(endpoints.gatewayMcpSession, request.body, { token: sessionId });
    } catch (error) {
      const appError = toAppError(error);
      throw appError.code === "unavailable" ? new AppError("not_found", "unknown MCP session") : appError;
    }
    response.status(202).end("Accepted");
  });
  return router;
}
