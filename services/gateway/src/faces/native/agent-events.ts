import type { StreamedEvent } from "../../core/run-client.ts";
import { errorBody } from "../../http/errors.ts";
import type { SseFrame } from "../../http/sse.ts";
import type { StreamEncoder } from "../../streaming/streamed-run.ts";

function frame(event: StreamedEvent): SseFrame {
  switch (event.type) {
    case "delta":
      return { event: "delta", data: { text: event.text } };
    case "tool_call":
      return { event: "tool_call", data: { id: event.id ?? "", name: event.name ?? "", arguments: event.arguments ?? "" } };
    case "tool_result":
      return { event: "tool_result", data: { id: event.id, name: event.name, content: event.content, is_error: event.is_error } };
  }
}

/** The native agent stream: `event: delta | tool_call | tool_result`, then `done` with the turn's result, or `error`. */
export const agentStreamEncoder: StreamEncoder = {
  event: (event) => [frame(event)],
  done: (result) => [{ event: "done", data: result.outputs }],
  error: (error) => [{ event: "error", data: errorBody(error) }],
};
