import type { ToolCall } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { countTokens } from "../tokens.ts";
import type { ChatMessage, ToolCallDelta, Usage } from "./types.ts";

/** Adds a streamed tool-call piece to the calls so far: pieces of one index are joined, as OpenAI streams them. */
export function addToolCallPiece(calls: ToolCall[], delta: ToolCallDelta, max: number): void {
  if (delta.index >= max) throw new AppError("upstream_error", `the model made more than ${max} tool calls in one answer`);
  const call = calls[delta.index] ?? { id: "", type: "function" as const, function: { name: "", arguments: "" } };
  calls[delta.index] = call;
  if (delta.id) call.id = delta.id;
  if (delta.name) call.function.name += delta.name;
  if (delta.arguments) call.function.arguments += delta.arguments;
}

/** Usage counted with the tokenizer, for providers (echo included) that report none. */
export async function countUsage(messages: ChatMessage[], text: string, toolCalls: ToolCall[]): Promise<Usage> {
  let prompt = 0;
  for (const message of messages) prompt += await countTokens(message.content ?? "");
  const completion = (await countTokens(text)) + (toolCalls.length ? await countTokens(JSON.stringify(toolCalls)) : 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** The sum of several usages (a run's llm components, an agent's steps). */
export function addUsage(sum: Usage, usage: Usage): Usage {
  return {
    prompt_tokens: sum.prompt_tokens + usage.prompt_tokens,
    completion_tokens: sum.completion_tokens + usage.completion_tokens,
    total_tokens: sum.total_tokens + usage.total_tokens,
  };
}
