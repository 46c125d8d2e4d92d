import type { Usage } from "@switchyard/contracts";
import type { StreamedEvent } from "../../core/run-client.ts";
import { errorBody } from "../../http/errors.ts";
import type { SseFrame } from "../../http/sse.ts";
import type { StreamEncoder } from "../../streaming/streamed-run.ts";
import { type CompletionIdentity, chunk, usageChunk } from "./format.ts";

const emptyUsage: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

/**
 * A run as `chat.completion.chunk`s: the role first, then text and tool-call deltas; an
 * answer that did not stream (a template's) as one chunk at the end; the finish reason,
 * the usage chunk when asked for, and `data: [DONE]`. A failure mid-stream is an error
 * object and no `[DONE]`, so clients know the answer is incomplete.
 */
export function chatStreamEncoder(identity: CompletionIdentity, includeUsage: boolean): StreamEncoder {
  let opened = false;
  let streamedText = false;
  const role = (): SseFrame[] => {
    if (opened) return [];
    opened = true;
    return [{ data: chunk(identity, { role: "assistant", content: "" }) }];
  };
  const piece = (event: StreamedEvent): unknown => {
    if (event.type === "delta") {
      streamedText = true;
      return chunk(identity, { content: event.text });
    }
    // An agent's tool results have no place in OpenAI's chunk format: they ride along as an extra field.
    if (event.type === "tool_result") {
      const { id, name, content, is_error } = event;
      return { ...chunk(identity, {}), tool_result: { tool_call_id: id, name, content, is_error } };
    }
    const call = {
      index: event.index,
      ...(event.id ? { id: event.id, type: "function" } : {}),
      function: { ...(event.name ? { name: event.name } : {}), ...(event.arguments ? { arguments: event.arguments } : {}) },
    };
    return chunk(identity, { tool_calls: [call] });
  };
  return {
    event: (event) => [...role(), { data: piece(event) }],
    done(result) {
      const frames = role();
      const answer = result.chat;
      if (answer && !streamedText && answer.text) frames.push({ data: chunk(identity, { content: answer.text }) });
      frames.push({ data: chunk(identity, {}, answer?.finish_reason ?? "stop") });
      if (includeUsage) frames.push({ data: usageChunk(identity, answer?.usage ?? emptyUsage) });
      frames.push({ data: "[DONE]" });
      return frames;
    },
    error: (error) => [{ data: errorBody(error) }],
  };
}
