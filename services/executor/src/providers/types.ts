export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface CompletionRequest {
  messages: ChatMessage[];
  temperature?: number | undefined;
  maxTokens?: number | undefined;
}

/** One piece of a streamed completion: text, and at the end the usage when the provider reports it. */
export type CompletionChunk = { type: "text"; text: string } | { type: "usage"; usage: Usage };

/** A model behind an alias. Streams always; callers that want the whole text collect it. */
export interface ChatProvider {
  stream(request: CompletionRequest, signal: AbortSignal): AsyncIterable<CompletionChunk>;
}
