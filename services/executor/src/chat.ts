import type { FinishReason, RunChat, Usage } from "@switchyard/contracts";
import { type PipelineDefinition, parseReference } from "@switchyard/definitions";
import { AppError } from "@switchyard/errors";
import type { ComponentOutputs } from "./components/index.ts";
import { countTokens } from "./tokens.ts";

export interface ChatPlan {
  inputs: Record<string, unknown>;
  outputName: string;
  /** The llm component whose text is the chat answer, when there is one: only its text streams. */
  answeringComponent: string | undefined;
}

/** Maps a chat turn onto a pipeline through its `chat` mapping, or refuses (501) when it has none. */
export function planChat(definition: PipelineDefinition, chat: RunChat): ChatPlan {
  if (!definition.chat) {
    throw new AppError("not_implemented", `pipeline '${definition.name}' has no chat mapping, so it cannot serve chat completions`);
  }
  const reference = parseReference(definition.outputs[definition.chat.output] ?? "");
  const component = reference?.kind === "component" ? definition.components[reference.component] : undefined;
  const answering =
    reference?.kind === "component" && component?.type === "llm" && reference.output === "text" ? reference.component : undefined;
  return { inputs: { [definition.chat.input]: chat.message }, outputName: definition.chat.output, answeringComponent: answering };
}

/** Usage of a chat run: the sum over its llm components, or counted by the tokenizer when none ran. */
export async function chatUsage(llmUsages: Usage[], message: string, text: string): Promise<Usage> {
  if (llmUsages.length === 0) {
    const prompt = await countTokens(message);
    const completion = await countTokens(text);
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  }
  return llmUsages.reduce(
    (sum, usage) => ({
      prompt_tokens: sum.prompt_tokens + usage.prompt_tokens,
      completion_tokens: sum.completion_tokens + usage.completion_tokens,
      total_tokens: sum.total_tokens + usage.total_tokens,
    }),
    { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  );
}

export function chatText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function chatFinishReason(answering: ComponentOutputs | undefined): FinishReason {
  const reason = answering?.finish_reason;
  return reason === "length" || reason === "tool_calls" || reason === "content_filter" ? reason : "stop";
}
