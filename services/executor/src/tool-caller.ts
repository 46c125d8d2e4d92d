import { AppError } from "@switchyard/errors";
import type { McpGrpcClient } from "@switchyard/grpc";
import { z } from "zod";
import type { ToolCaller } from "./components/index.ts";

const Content = z.array(z.unknown());
const Schema = z.record(z.string(), z.unknown());

/** Tool calls over gRPC to the mcp service, with a deadline and the run's cancellation. */
export function createToolCaller(client: McpGrpcClient, deadlineMs: number): ToolCaller {
  return {
    async call(server, tool, args, signal) {
      const response = await client.callTool({ server, tool, argumentsJson: JSON.stringify(args) }, { deadlineMs, signal });
      let content: unknown[];
      let structured: unknown = null;
      try {
        content = Content.parse(JSON.parse(response.contentJson || "[]"));
        if (response.structuredContentJson) structured = JSON.parse(response.structuredContentJson);
      } catch (error) {
        throw new AppError("upstream_error", `tool '${tool}' on '${server}' returned malformed content`, { cause: error });
      }
      return { text: response.text, content, structured, isError: response.isError };
    },
    async list(server, signal) {
      const response = await client.listTools({ server }, { deadlineMs, signal });
      return response.tools.map((tool) => ({
        name: tool.name,
        description: tool.description,
        inputSchema: Schema.parse(JSON.parse(tool.inputSchemaJson || "{}")),
      }));
    },
  };
}
