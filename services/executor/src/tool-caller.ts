import type { McpGrpcClient } from "@switchyard/grpc";
import type { ToolCaller } from "./components/index.ts";

/**
 * Tool calls over gRPC to the mcp service, with a deadline and the run's cancellation. `hops`
 * is how many runs deep the calling run is; the call carries one more, so a tool server that
 * is a Switchyard gateway can refuse a call that came round too many times.
 */
export function createToolCaller(client: McpGrpcClient, deadlineMs: number, hops = 0): ToolCaller {
  return {
    call: (server, tool, args, signal) => client.callTool(server, tool, args, { deadlineMs, signal, hops: hops + 1 }),
    list: (server, signal) => client.listTools(server, { deadlineMs, signal }),
  };
}
