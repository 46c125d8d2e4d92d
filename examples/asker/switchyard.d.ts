// The types of what a code pipeline's functions are given: copy this file beside your
// pipeline_wrapper.ts and `import type { Context } from "./switchyard.d.ts"`. It is only
// types: the wrapper's code is compiled without it (esbuild strips type imports).

export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string | null;
  tool_calls?: { id: string; type: "function"; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

export interface ModelRequest {
  /** A model alias of the executor (`default` when left out). */
  model?: string;
  messages: ChatMessage[];
  temperature?: number;
  max_tokens?: number;
  tools?: Record<string, unknown>[];
  tool_choice?: unknown;
}

export interface ModelAnswer {
  text: string;
  tool_calls: { id: string; type: "function"; function: { name: string; arguments: string } }[];
  finish_reason: "stop" | "length" | "tool_calls" | "content_filter";
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

export type ModelChunk =
  | { type: "text"; text: string }
  | { type: "tool_call"; index: number; id?: string; name?: string; arguments?: string }
  | { type: "finish"; reason: ModelAnswer["finish_reason"] }
  | { type: "usage"; usage: ModelAnswer["usage"] };

/** A `file` input: text inline, other bytes by reference (read them with `ctx.files.read`). */
export type Upload =
  | { name: string; content_type: string; size: number; text: string }
  | { name: string; content_type: string; size: number; sha256: string; ref: string };

export interface Context {
  llm: {
    chat(request: ModelRequest): Promise<ModelAnswer>;
    stream(request: ModelRequest): AsyncIterable<ModelChunk>;
  };
  tools: {
    list(server: string): Promise<{ name: string; description?: string; inputSchema?: unknown }[]>;
    call(server: string, tool: string, args?: Record<string, unknown>): Promise<{ text: string; content: unknown[]; is_error: boolean }>;
  };
  pipelines: { run(name: string, inputs?: Record<string, unknown>): Promise<Record<string, unknown>> };
  files: { read(file: Upload | string): Promise<Uint8Array> };
  log(...parts: unknown[]): void;
}

/** What `runChatCompletion` may yield: text, or OpenAI-shaped chunks. */
export type ChatPiece = string | { choices: { delta: { content?: string | null } }[] };
