// A code pipeline, deployed the Hayhooks way: `switchyard deploy examples/asker` (or
// POST /deploy_files with these files). It runs in Switchyard's sandbox, reaching only `ctx`.
import { lastUserText } from "./lib/messages.ts";
import type { ChatMessage, ChatPiece, Context } from "./switchyard.d.ts";

export const description = "Asks the model, and answers chat completions streamed";
export const inputs = {
  question: { type: "string", description: "What to ask" },
  times: { type: "integer", default: 1, description: "How many times to repeat the answer" },
};

/** `POST /asker/run {"question": "…"}` → `{"result": "…"}`. */
export async function runApi(input: { question: string; times: number }, ctx: Context): Promise<string> {
  const answer = await ctx.llm.chat({ messages: [{ role: "user", content: input.question }] });
  ctx.log("answered", input.question.length, "characters");
  return answer.text.repeat(input.times);
}

/** The OpenAI face (`model: "asker"`): the model's answer, streamed as it comes. */
export async function* runChatCompletion(messages: ChatMessage[], _body: unknown, ctx: Context): AsyncIterable<ChatPiece> {
  for await (const chunk of ctx.llm.stream({ messages: [{ role: "user", content: lastUserText(messages) }] })) {
    if (chunk.type === "text") yield chunk.text;
  }
}
