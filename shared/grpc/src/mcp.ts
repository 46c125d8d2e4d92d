import { JsonObject, type McpToolResult, type McpToolSpec, parseJson } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { z } from "zod";
import { type CallUnaryOptions, callUnary, createGrpcClient } from "./client.ts";
import type { CallToolRequest } from "./generated/switchyard/mcp/v1/CallToolRequest.ts";
import type { CallToolResponse, CallToolResponse__Output } from "./generated/switchyard/mcp/v1/CallToolResponse.ts";
import type { ListToolsRequest } from "./generated/switchyard/mcp/v1/ListToolsRequest.ts";
import type { ListToolsResponse__Output } from "./generated/switchyard/mcp/v1/ListToolsResponse.ts";
import type { McpHandlers } from "./generated/switchyard/mcp/v1/Mcp.ts";
import { mcpProto } from "./protos.ts";
import { type CallContext, type GrpcServer, type GrpcServerOptions, unary } from "./server.ts";

/** The mcp service's gRPC API as promises, each call with a deadline and optional cancellation; JSON fields parsed. */
export interface McpGrpcClient {
  listTools(server: string, options: CallUnaryOptions): Promise<McpToolSpec[]>;
  callTool(server: string, tool: string, args: JsonObject, options: CallUnaryOptions & { hops?: number }): Promise<McpToolResult>;
  close(): void;
}

const Content = z.array(z.unknown());

export function createMcpClient(address: string): McpGrpcClient {
  const client = createGrpcClient(mcpProto().Mcp, address);
  return {
    async listTools(server, options) {
      const response = await callUnary<ListToolsRequest, ListToolsResponse__Output>(client, client.ListTools, { server }, options);
      const malformed = (detail: string) => new AppError("upstream_error", `MCP server '${server}' listed a malformed tool: ${detail}`);
      return response.tools.map((tool) => ({
        name: tool.name,
        description: tool.description,
        inputSchema: parseJson(JsonObject, tool.inputSchemaJson || "{}", malformed),
      }));
    },
    async callTool(server, tool, args, options) {
      const request = { server, tool, argumentsJson: JSON.stringify(args), hops: options.hops ?? 0 };
      const response = await callUnary<CallToolRequest, CallToolResponse__Output>(client, client.CallTool, request, options);
      const malformed = (detail: string) =>
        new AppError("upstream_error", `tool '${tool}' on '${server}' returned malformed content: ${detail}`);
      return {
        content: parseJson(Content, response.contentJson || "[]", malformed),
        isError: response.isError,
        text: response.text,
        structured: response.structuredContentJson ? parseJson(z.unknown(), response.structuredContentJson, malformed) : null,
      };
    },
    close: () => client.close(),
  };
}

/** What the mcp service implements; arguments arrive parsed, results are encoded here. */
export interface McpImplementation {
  listTools(server: string, call: CallContext): Promise<McpToolSpec[]>;
  callTool(request: { server: string; tool: string; arguments: JsonObject; hops: number }, call: CallContext): Promise<McpToolResult>;
}

const badArguments = (detail: string) =>
  new AppError("invalid_request", `arguments_json must be a JSON object (${detail})`, { param: "arguments_json" });

export function serveMcp(server: GrpcServer, implementation: McpImplementation, options: GrpcServerOptions): void {
  const handlers: McpHandlers = {
    ListTools: unary("ListTools", options, async (request, call) => {
      const tools = await implementation.listTools(request.server, call);
      return {
        tools: tools.map((tool) => ({ name: tool.name, description: tool.description, inputSchemaJson: JSON.stringify(tool.inputSchema) })),
      };
    }),
    CallTool: unary("CallTool", options, async (request, call): Promise<CallToolResponse> => {
      const args = request.argumentsJson.trim() === "" ? {} : parseJson(JsonObject, request.argumentsJson, badArguments);
      const result = await implementation.callTool(
        { server: request.server, tool: request.tool, arguments: args, hops: request.hops },
        call,
      );
      return {
        contentJson: JSON.stringify(result.content),
        isError: result.isError,
        text: result.text,
        structuredContentJson: result.structured === null || result.structured === undefined ? "" : JSON.stringify(result.structured),
      };
    }),
  };
  server.addService("switchyard.mcp.v1.Mcp", mcpProto().Mcp.service, handlers);
}
