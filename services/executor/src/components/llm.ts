import { collectAnswer } from "../providers/answer.ts";
import type { ChatMessage } from "../providers/index.ts";
import { asText, type ComponentRunner } from "./types.ts";

/**
 * Calls the aliased model, streaming each piece of text (and of tool calls) as it arrives;
 * awaiting `emit` is what lets a slow client pause the provider stream. Its outputs are the
 * answer's text, usage, finish reason and tool calls; the answer itself goes to the run, typed.
 */
export const runLlm: ComponentRunner<"llm"> = async (component, context) => {
  const prompt = context.resolve(component.prompt);
  const messages: ChatMessage[] = [];
  if (component.system) messages.push({ role: "system", content: component.system });
  // A prompt bound to an optional input the client left out is empty, not a message without content.
  const content = asText(prompt);
  // Answering a chat: the client's conversation around the prompt, the prompt in the place of its last user message.
  messages.push(...(context.chatTools?.history ?? []), { role: "user", content }, ...(context.chatTools?.trailing ?? []));
  const request = {
    messages,
    temperature: component.temperature,
    maxTokens: component.max_tokens,
    tools: context.chatTools?.tools,
    toolChoice: context.chatTools?.toolChoice,
    incremental: context.streaming,
  };
  const answer = await collectAnswer(context.providers.get(component.model).stream(request, context.signal), messages, {
    text: context.emit,
    toolCall: context.emitToolCall,
  });
  const outputs = { text: answer.text, usage: answer.usage, finish_reason: answer.finishReason, tool_calls: answer.toolCalls };
  return { outputs, answer };
};
