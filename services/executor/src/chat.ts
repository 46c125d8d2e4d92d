import type { OrderedRunEvent, RunChat } from "@switchyard/contracts";
import { type PipelineDefinition, parseReference } from "@switchyard/definitions";
import { AppError } from "@switchyard/errors";
import { asText } from "./components/types.ts";
import { type Answer, countUsage, sumUsage } from "./providers/answer.ts";

export type DoneBody = Omit<Extract<OrderedRunEvent, { type: "done" }>, "seq" | "type">;
export type ChatAnswer = NonNullable<DoneBody["chat"]>;

/** How a chat turn maps onto a pipeline: made before the run, used again to answer after it. */
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

/**
 * The chat answer of a finished pipeline run: its chat output as text, the answering
 * component's finish reason and tool calls, and the usage of every model call (counted
 * from the message and the answer when no model ran).
 */
export async function answerChat(
  plan: ChatPlan,
  chat: RunChat,
  outputs: Record<string, unknown>,
  answers: ReadonlyMap<string, Answer>,
): Promise<ChatAnswer> {
  const value = outputs[plan.outputName];
  // An output bound to an optional input the client left out is empty text, not a crash in the token count.
  const text = asText(value);
  const answering = plan.answeringComponent === undefined ? undefined : answers.get(plan.answeringComponent);
  const usage =
    answers.size > 0
      ? sumUsage([...answers.values()].map((answer) => answer.usage))
      : await countUsage([{ role: "user", content: chat.message }], text, []);
  return {
    text,
    finish_reason: answering?.finishReason ?? "stop",
    usage,
    ...(answering?.toolCalls.length ? { tool_calls: answering.toolCalls } : {}),
  };
}
