import type { ChatMessage } from "../switchyard.d.ts";

/** The last thing the user said. */
export function lastUserText(messages: ChatMessage[]): string {
  return [...messages].reverse().find((message) => message.role === "user")?.content ?? "";
}
