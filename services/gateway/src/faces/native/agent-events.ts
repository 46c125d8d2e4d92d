import { Usage } from "@switchyard/contracts";
import type { StreamedEvent } from "../../core/run-client.ts";
import { errorBody } from "../../http/errors.ts";
import type { SseFrame } from "../../http/sse.ts";
import type { StreamEncoder } from "../../streaming/streamed-run.ts";

/**
 * Each frame's data carries AgentSpec's documented fields (`type`, and `content`, `output`,
 * `code`/`message`, `usage` with input and output tokens) beside the native ones, under the
 * native event names: a client reading either gets what it looks for.
 */
function frame(event: StreamedEvent): SseFrame {
  switch (event.type) {
    case "delta":
      return { event: "delta", data: { type: "token", content: event.text, text: event.text } };
    case "tool_call":
      return {
        event: "tool_call",
        data: { type: "tool_call", id: event.id ?? "", name: event.name ?? "", arguments: event.arguments ?? "" },
      };
    case "tool_result":
      return {
        event: "tool_result",
        data: {
          type: "tool_result",
          id: event.id,
          name: event.name,
          content: event.content,
          output: event.content,
          is_error: event.is_error,
        },
      };
  }
}

/** A run's token counts in AgentSpec's names. */
export const agentSpecUsage = (usage: Usage) => ({
  input_tokens: usage.prompt_tokens,
  output_tokens: usage.completion_tokens,
  total_tokens: usage.total_tokens,
});

/** OpenAI-style usage with AgentSpec's names beside it. */
export function withAgentSpecUsage(usage: unknown) {
  const parsed = Usage.safeParse(usage);
  return parsed.success ? { ...parsed.data, ...agentSpecUsage(parsed.data) } : usage;
}

/** The native agent stream: `event: delta | tool_call | tool_result`, then `done` with the turn's result, or `error`. */
export const agentStreamEncoder: StreamEncoder = {
  event: (event) => [frame(event)],
  done: (result) => [{ event: "done", data: { type: "done", ...result.outputs, usage: withAgentSpecUsage(result.outputs.usage) } }],
  error: (error) => {
    const body = errorBody(error);
    return [{ event: "error", data: { type: "error", code: body.error.code, message: body.error.message, ...body } }];
  },
};
