import type { McpGrpcClient } from "@switchyard/grpc";
import type { ToolCaller } from "./components/index.ts";

/** Tool calls over gRPC to the mcp service, with a deadline and the run's cancellation. */
export function createToolCaller(client: McpGrpcClient, deadlineMs: number): ToolCaller {
  return {
    call: (server, tool, args, signal) => client.callTool(server, tool, args, { deadlineMs, signal }),
    list: (server, signal) => client.listTools(server, { deadlineMs, signal }),
  };
}
