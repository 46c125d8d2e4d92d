import type { ChatMessage, FinishReason, Usage } from "@switchyard/contracts";

/** OpenAI-format messages: assistant tool calls and tool results included. */
export type { ChatMessage, FinishReason, Usage } from "@switchyard/contracts";

export interface CompletionRequest {
  messages: ChatMessage[];
  temperature?: number | undefined;
  maxTokens?: number | undefined;
  /** OpenAI-format tool definitions, passed to the model as they are. */
  tools?: Record<string, unknown>[] | undefined;
  toolChoice?: unknown;
  /**
   * Whether the caller forwards pieces as they come. When false a provider may answer in
   * one piece (one plain JSON call instead of a stream), which costs less per request.
   */
  incremental?: boolean;
}

/** A piece of a tool call, as OpenAI streams them: the first piece of an index has its id and name. */
export interface ToolCallDelta {
  index: number;
  id?: string | undefined;
  name?: string | undefined;
  arguments?: string | undefined;
}

/** One piece of a streamed completion. */
export type CompletionChunk =
  | { type: "text"; text: string }
  | ({ type: "tool_call" } & ToolCallDelta)
  | { type: "finish"; reason: FinishReason }
  | { type: "usage"; usage: Usage };

/** A model behind an alias. Streams always; callers that want the whole text collect it. */
export interface ChatProvider {
  stream(request: CompletionRequest, signal: AbortSignal): AsyncIterable<CompletionChunk>;
}
