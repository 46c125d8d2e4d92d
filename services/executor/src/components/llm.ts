import type { ToolCall } from "@switchyard/contracts";
import { addToolCallPiece, countUsage } from "../providers/answer.ts";
import type { ChatMessage, FinishReason, Usage } from "../providers/index.ts";
import type { ComponentRunner } from "./types.ts";

/** Bound on the text one llm component collects. */
const maxTextLength = 4 * 1024 * 1024;
/** Bound on the tool calls one answer may carry. */
const maxToolCalls = 128;

/**
 * Calls the aliased model, streaming each piece of text (and of tool calls) as it arrives;
 * awaiting `emit` is what lets a slow client pause the provider stream. Usage comes from
 * the provider, else from the tokenizer.
 */
export const runLlm: ComponentRunner<"llm"> = async (component, context) => {
  const prompt = context.resolve(component.prompt);
  const messages: ChatMessage[] = [];
  if (component.system) messages.push({ role: "system", content: component.system });
  messages.push({ role: "user", content: typeof prompt === "string" ? prompt : JSON.stringify(prompt) });
  const provider = context.providers.get(component.model);
  let text = "";
  let usage: Usage | undefined;
  let finishReason: FinishReason = "stop";
  const toolCalls: ToolCall[] = [];
  const request = {
    messages,
    temperature: component.temperature,
    maxTokens: component.max_tokens,
    tools: context.chatTools?.tools,
    toolChoice: context.chatTools?.toolChoice,
    incremental: context.streaming,
  };
  for await (const chunk of provider.stream(request, context.signal)) {
    switch (chunk.type) {
      case "usage":
        usage = chunk.usage;
        break;
      case "finish":
        finishReason = chunk.reason;
        break;
      case "tool_call":
        addToolCallPiece(toolCalls, chunk, maxToolCalls);
        await context.emitToolCall(chunk);
        break;
      case "text":
        if (text.length + chunk.text.length > maxTextLength) throw new Error(`model output exceeded ${maxTextLength} characters`);
        text += chunk.text;
        await context.emit(chunk.text);
        break;
    }
  }
  if (toolCalls.length > 0) finishReason = "tool_calls";
  usage ??= await countUsage(messages, text, toolCalls);
  return { text, usage, finish_reason: finishReason, tool_calls: toolCalls };
};
