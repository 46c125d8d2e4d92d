import type { ChatMessage, Usage } from "../providers/index.ts";
import type { ComponentRunner } from "./types.ts";

/** Bound on the text one llm component collects. */
const maxTextLength = 4 * 1024 * 1024;

/** Calls the aliased model, streaming each piece of text as it arrives. */
export const runLlm: ComponentRunner<"llm"> = async (component, context) => {
  const prompt = context.resolve(component.prompt);
  const messages: ChatMessage[] = [];
  if (component.system) messages.push({ role: "system", content: component.system });
  messages.push({ role: "user", content: typeof prompt === "string" ? prompt : JSON.stringify(prompt) });
  const provider = context.providers.get(component.model);
  let text = "";
  let usage: Usage | undefined;
  for await (const chunk of provider.stream(
    { messages, temperature: component.temperature, maxTokens: component.max_tokens },
    context.signal,
  )) {
    if (chunk.type === "usage") {
      usage = chunk.usage;
      continue;
    }
    if (text.length + chunk.text.length > maxTextLength) throw new Error(`model output exceeded ${maxTextLength} characters`);
    text += chunk.text;
    context.emit(chunk.text);
  }
  return { text, usage: usage ?? null };
};
