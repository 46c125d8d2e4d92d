import type { FinishReason, ToolCall, Usage } from "@switchyard/contracts";
import { z } from "zod";

const ContentPart = z.looseObject({ type: z.string(), text: z.string().optional() });

export const ChatMessage = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: z.union([z.string(), z.array(ContentPart), z.null()]).optional(),
});

/**
 * An OpenAI chat completion request. Fields this server does not use (temperature, and the
 * extras Open WebUI sends such as `session_id`, `chat_id`, `features`) are accepted and
 * ignored: the pipeline decides how its models are called.
 */
export const ChatCompletionRequest = z.looseObject({
  model: z.string().min(1).max(256),
  messages: z.array(ChatMessage).min(1).max(4096),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  tools: z.array(z.record(z.string(), z.unknown())).max(128).optional(),
  tool_choice: z.unknown().optional(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

/** The text of the last user message: a string, or the text parts of a content array (OpenAI and AG-UI messages alike). */
export function lastUserText(messages: readonly { role: string; content?: unknown }[]): string | undefined {
  const message = [...messages].reverse().find((candidate) => candidate.role === "user");
  if (!message) return undefined;
  const content = message.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .flatMap((part: unknown) =>
      typeof part === "object" && part !== null && "type" in part && part.type === "text" && "text" in part && typeof part.text === "string"
        ? [part.text]
        : [],
    )
    .join("\n");
}

export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
}

export function completion(identity: CompletionIdentity, text: string, finishReason: FinishReason, usage: Usage, toolCalls: ToolCall[]) {
  return {
    id: identity.id,
    object: "chat.completion" as const,
    created: identity.created,
    model: identity.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant" as const,
          content: toolCalls.length && !text ? null : text,
          refusal: null,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: finishReason,
        logprobs: null,
      },
    ],
    usage,
  };
}

export function chunk(identity: CompletionIdentity, delta: Record<string, unknown>, finishReason: FinishReason | null = null) {
  return {
    id: identity.id,
    object: "chat.completion.chunk" as const,
    created: identity.created,
    model: identity.model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
}

export function usageChunk(identity: CompletionIdentity, usage: Usage) {
  return {
    id: identity.id,
    object: "chat.completion.chunk" as const,
    created: identity.created,
    model: identity.model,
    choices: [],
    usage,
  };
}
