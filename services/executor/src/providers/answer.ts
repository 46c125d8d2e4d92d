import type { ToolCall } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { countTokens } from "../tokens.ts";
import type { ChatMessage, CompletionChunk, FinishReason, ToolCallDelta, Usage } from "./types.ts";

/** One model answer, collected from a provider stream: what the llm component and the agent loop both work with. */
export interface Answer {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  /** As the provider reported it, else counted with the tokenizer. */
  usage: Usage;
}

/** The bounds of one answer: the same for every caller. */
export const answerCaps = {
  /** Characters of text one answer may carry. */
  textChars: 4 * 1024 * 1024,
  /** Tool calls one answer may make. */
  toolCalls: 128,
} as const;

/** Where the pieces go as they arrive; awaiting them is what lets a slow client pause the provider stream. */
export interface AnswerSink {
  text?(piece: string): void | Promise<void>;
  toolCall?(delta: ToolCallDelta): void | Promise<void>;
}

/**
 * Reads a provider stream to its end: text and tool-call pieces are forwarded as they come
 * and joined (tool calls by index, as OpenAI streams them), within `answerCaps`. A model
 * that called tools finished with `tool_calls`; missing call ids are filled in; usage the
 * provider did not report is counted.
 */
export async function collectAnswer(stream: AsyncIterable<CompletionChunk>, messages: ChatMessage[], sink: AnswerSink): Promise<Answer> {
  let text = "";
  let reported: Usage | undefined;
  let finishReason: FinishReason = "stop";
  const calls: ToolCall[] = [];
  for await (const chunk of stream) {
    switch (chunk.type) {
      case "usage":
        reported = chunk.usage;
        break;
      case "finish":
        finishReason = chunk.reason;
        break;
      case "tool_call":
        addToolCallPiece(calls, chunk);
        await sink.toolCall?.(chunk);
        break;
      case "text":
        if (text.length + chunk.text.length > answerCaps.textChars) {
          throw new AppError("upstream_error", `the model's answer exceeded ${answerCaps.textChars} characters`, { retryable: false });
        }
        text += chunk.text;
        await sink.text?.(chunk.text);
        break;
    }
  }
  const toolCalls = calls.filter(Boolean).map((call, index) => ({ ...call, id: call.id || `call_${index}` }));
  if (toolCalls.length > 0) finishReason = "tool_calls";
  return { text, toolCalls, finishReason, usage: reported ?? (await countUsage(messages, text, toolCalls)) };
}

function addToolCallPiece(calls: ToolCall[], delta: ToolCallDelta): void {
  if (delta.index >= answerCaps.toolCalls) {
    throw new AppError("upstream_error", `the model made more than ${answerCaps.toolCalls} tool calls in one answer`, { retryable: false });
  }
  const call = calls[delta.index] ?? { id: "", type: "function" as const, function: { name: "", arguments: "" } };
  calls[delta.index] = call;
  if (delta.id) call.id = delta.id;
  if (delta.name) call.function.name += delta.name;
  if (delta.arguments) call.function.arguments += delta.arguments;
}

/** Usage counted with the tokenizer, for providers (echo included) and runs (template-only chats) that report none. */
export async function countUsage(messages: ChatMessage[], text: string, toolCalls: ToolCall[]): Promise<Usage> {
  let prompt = 0;
  for (const message of messages) prompt += await countTokens(message.content ?? "");
  const completion = (await countTokens(text)) + (toolCalls.length ? await countTokens(JSON.stringify(toolCalls)) : 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** The sum of several usages (a run's llm components, an agent's steps). */
export function sumUsage(usages: Iterable<Usage>): Usage {
  const sum: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  for (const usage of usages) {
    sum.prompt_tokens += usage.prompt_tokens;
    sum.completion_tokens += usage.completion_tokens;
    sum.total_tokens += usage.total_tokens;
  }
  return sum;
}
