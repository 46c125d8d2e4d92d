import type { ChatMessage as ContractMessage, FinishReason, ToolCall, Usage } from "@switchyard/contracts";
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

type MessageLike = { role: string; content?: unknown };

/** A message's text: a string, or the text parts of a content array (OpenAI and AG-UI messages alike). */
function textOf(content: unknown): string | null {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return null;
  return content
    .flatMap((part: unknown) =>
      typeof part === "object" && part !== null && "type" in part && part.type === "text" && "text" in part && typeof part.text === "string"
        ? [part.text]
        : [],
    )
    .join("\n");
}

/** The text of the last user message, or undefined when there is none. */
export function lastUserText(messages: readonly MessageLike[]): string | undefined {
  const message = [...messages].reverse().find((candidate) => candidate.role === "user");
  return message ? (textOf(message.content) ?? "") : undefined;
}

const MessageExtras = z.object({
  tool_calls: z
    .array(z.object({ id: z.string(), type: z.literal("function"), function: z.object({ name: z.string(), arguments: z.string() }) }))
    .optional()
    .catch(undefined),
  tool_call_id: z.string().optional().catch(undefined),
  name: z.string().optional().catch(undefined),
});

/** A client's message as the model is sent it: `developer` is a system message, `function` a tool result, parts joined as text. */
function normalized(message: MessageLike): ContractMessage {
  const role = message.role === "developer" ? "system" : message.role === "function" ? "tool" : message.role;
  const extras = MessageExtras.parse(message);
  const content = textOf(message.content);
  return {
    role: role === "system" || role === "user" || role === "assistant" || role === "tool" ? role : "user",
    content: content ?? (role === "assistant" ? null : ""),
    ...(extras.tool_calls?.length ? { tool_calls: extras.tool_calls } : {}),
    ...(extras.tool_call_id ? { tool_call_id: extras.tool_call_id } : {}),
    ...(extras.name ? { name: extras.name } : {}),
  };
}

/**
 * A chat turn from a client's whole conversation: the last user message's text (what the
 * pipeline's chat input gets), and everything before and after it, so the model that answers
 * sees the conversation as the client sent it. Undefined without a user message.
 */
export function chatTurnOf(messages: readonly MessageLike[]) {
  let last = -1;
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    if (messages[index]?.role === "user") {
      last = index;
      break;
    }
  }
  if (last < 0) return undefined;
  const history = messages.slice(0, last).map(normalized);
  const trailing = messages.slice(last + 1).map(normalized);
  return {
    message: textOf(messages[last]?.content) ?? "",
    ...(history.length ? { history } : {}),
    ...(trailing.length ? { trailing } : {}),
  };
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
