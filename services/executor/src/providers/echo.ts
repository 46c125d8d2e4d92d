import type { ChatProvider, CompletionChunk, CompletionRequest } from "./types.ts";

/**
 * The built-in deterministic provider: streams the last user message back, one chunk per
 * word (with its following whitespace), so Switchyard runs end to end with no LLM at all.
 * It reports no usage: callers count tokens themselves.
 */
export function createEchoProvider(): ChatProvider {
  return {
    async *stream(request: CompletionRequest, signal: AbortSignal): AsyncIterable<CompletionChunk> {
      const last = [...request.messages].reverse().find((message) => message.role === "user");
      const words = last?.content?.match(/\S+\s*/g) ?? [];
      const limit = request.maxTokens ?? Number.POSITIVE_INFINITY;
      let sent = 0;
      for (const word of words) {
        if (sent >= limit) break;
        signal.throwIfAborted();
        yield { type: "text", text: word };
        sent += 1;
        // Yield to the event loop between words, as a network stream would.
        await new Promise((resolve) => setImmediate(resolve));
      }
      yield { type: "finish", reason: sent < words.length ? "length" : "stop" };
    },
  };
}
