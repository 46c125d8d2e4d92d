import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { hopsMetaKey, stoppedCatalogDetail } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { GrpcServerOptions, McpImplementation } from "@switchyard/grpc";
import { injectContext, withSpan } from "@switchyard/telemetry";
import type { ServerTable } from "./servers.ts";
import type { Supervisor } from "./supervisor.ts";

export interface McpGrpcOptions extends GrpcServerOptions {
  /** The longest any call may run, whatever the caller's deadline. */
  callTimeoutMs: number;
  /** Each call of a tool a running server has, once it ended. */
  onCall?(server: string, tool: string, outcome: string, seconds: number): void;
}

/** The server by id (config/runtime first, then the catalog), which must be running. */
function runningServer(table: ServerTable, id: string): { supervisor: Supervisor; client: Client } {
  const managed = table.resolve(id);
  if (!managed && table.inCatalog(id)) {
    throw new AppError("conflict", `MCP server '${id}' is a catalog entry that is not enabled (stopped)`, {
      param: "server",
      details: { [stoppedCatalogDetail]: true },
    });
  }
  if (!managed) throw new AppError("not_found", `MCP server '${id}' does not exist`, { param: "server" });
  const client = managed.supervisor.client();
  if (!client) {
    const why = managed.supervisor.state().lastError;
    throw new AppError("unavailable", `MCP server '${id}' is not running${why ? `: ${why}` : " yet"}`);
  }
  return { supervisor: managed.supervisor, client };
}

/** An MCP failure as the one error type; the caller sees the server's message, not a stack. */
function callFailure(error: unknown, label: string, limitMs: number): AppError {
  if (!(error instanceof McpError)) return new AppError("upstream_error", `${label} failed: ${String(error)}`, { cause: error });
  switch (error.code) {
    case ErrorCode.RequestTimeout:
      return new AppError("timeout", `${label} did not finish within ${limitMs} ms`, { cause: error });
    case ErrorCode.ConnectionClosed:
      return new AppError("unavailable", `${label} failed: the server's connection closed`, { cause: error });
    case ErrorCode.InvalidParams:
      return new AppError("invalid_request", `${label}: ${error.message}`, { cause: error });
    default:
      return new AppError("upstream_error", `${label} failed: ${error.message}`, { cause: error });
  }
}

/** Executors list and call tools here; management stays on NATS. */
export function mcpImplementation(table: ServerTable, options: McpGrpcOptions): McpImplementation {
  return {
    async listTools(id) {
      const { supervisor } = runningServer(table, id);
      return supervisor.state().tools.map((tool) => ({
        name: tool.name,
        description: tool.description ?? "",
        inputSchema: tool.inputSchema,
      }));
    },
    async callTool(request, call) {
      const server = runningServer(table, request.server);
      if (!server.supervisor.state().tools.some((tool) => tool.name === request.tool)) {
        throw new AppError("not_found", `MCP server '${request.server}' has no tool '${request.tool}'`, { param: "tool" });
      }
      const label = `tool '${request.tool}' of MCP server '${request.server}'`;
      const limitMs = Math.max(1, Math.min(options.callTimeoutMs, call.deadline - Date.now()));
      const started = performance.now();
      const ended = (outcome: string) => options.onCall?.(request.server, request.tool, outcome, (performance.now() - started) / 1000);
      // A span per call (MCP's conventions: `tools/call {tool}`); its context goes to the server in `_meta`.
      const attributes = {
        "mcp.method.name": "tools/call",
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": request.tool,
        "switchyard.mcp.server": request.server,
      };
      return withSpan(options.tracer, `tools/call ${request.tool}`, attributes, async () => {
        try {
          // The SDK sends notifications/cancelled to the server on abort and on its own timeout.
          // The hop count rides in `_meta`, so a call that comes back into a Switchyard gateway is counted there; the
          // trace context (`traceparent`, `tracestate`) too, so a server that traces continues the caller's trace.
          const traceMeta: Record<string, string> = {};
          injectContext({
            get: (key) => traceMeta[key],
            set: (key, value) => {
              traceMeta[key] = value;
            },
          });
          const meta = { _meta: { ...traceMeta, ...(request.hops > 0 ? { [hopsMetaKey]: request.hops } : {}) } };
          const result = await server.client.callTool({ name: request.tool, arguments: request.arguments, ...meta }, undefined, {
            signal: call.signal,
            timeout: limitMs,
          });
          const content = Array.isArray(result.content) ? result.content : [];
          const text = content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");
          ended(result.isError === true ? "tool_error" : "success");
          return { content, isError: result.isError === true, text, structured: result.structuredContent ?? null };
        } catch (error) {
          if (call.signal.aborted) {
            ended("cancelled");
            options.logger.info({ event: "mcp.tool.cancelled", server: request.server, tool: request.tool }, "tool call cancelled");
            throw new AppError("cancelled", `${label} was cancelled`);
          }
          if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
            options.logger.info(
              { event: "mcp.tool.cancelled", server: request.server, tool: request.tool, limitMs },
              "tool call timed out",
            );
          }
          const failure = callFailure(error, label, limitMs);
          ended(failure.code);
          throw failure;
        }
      });
    },
  };
}
