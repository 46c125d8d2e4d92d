import { type CallUnaryOptions, callUnary, createGrpcClient } from "./client.ts";
import type { CallToolRequest } from "./generated/switchyard/mcp/v1/CallToolRequest.ts";
import type { CallToolResponse__Output } from "./generated/switchyard/mcp/v1/CallToolResponse.ts";
import type { ListToolsRequest } from "./generated/switchyard/mcp/v1/ListToolsRequest.ts";
import type { ListToolsResponse__Output } from "./generated/switchyard/mcp/v1/ListToolsResponse.ts";
import { mcpProto } from "./protos.ts";

/** The mcp service's gRPC API as promises, each call with a deadline and optional cancellation. */
export interface McpGrpcClient {
  listTools(request: ListToolsRequest, options: CallUnaryOptions): Promise<ListToolsResponse__Output>;
  callTool(request: CallToolRequest, options: CallUnaryOptions): Promise<CallToolResponse__Output>;
  close(): void;
}

export function createMcpClient(address: string): McpGrpcClient {
  const client = createGrpcClient(mcpProto().Mcp, address);
  return {
    listTools: (request, options) => callUnary<ListToolsRequest, ListToolsResponse__Output>(client, client.ListTools, request, options),
    callTool: (request, options) => callUnary<CallToolRequest, CallToolResponse__Output>(client, client.CallTool, request, options),
    close: () => client.close(),
  };
}
