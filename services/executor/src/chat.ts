import type { FinishReason, RunChat, Usage } from "@switchyard/contracts";
import { type PipelineDefinition, parseReference } from "@switchyard/definitions";
import { AppError } from "@switchyard/errors";
import type { ComponentOutputs } from "./components/index.ts";
import { addUsage, countUsage } from "./providers/answer.ts";

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
  if (llmUsages.length === 0) return countUsage([{ role: "user", content: message }], text, []);
  return llmUsages.reduce(addUsage, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
}

export function chatText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function chatFinishReason(answering: ComponentOutputs | undefined): FinishReason {
  const reason = answering?.finish_reason;
  return reason === "length" || reason === "tool_calls" || reason === "content_filter" ? reason : "stop";
}
