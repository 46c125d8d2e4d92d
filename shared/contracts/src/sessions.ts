import { z } from "zod";
import { DefinitionName } from "./registry.ts";

export const SessionId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "not a session id");

/** A chat message as OpenAI writes them; sessions keep them as they are. */
export const ChatMessage = z.looseObject({
  role: z.enum(["system", "user", "assistant", "tool"]),
  content: z.string().nullable(),
  tool_calls: z
    .array(z.object({ id: z.string(), type: z.literal("function"), function: z.object({ name: z.string(), arguments: z.string() }) }))
    .optional(),
  tool_call_id: z.string().optional(),
  name: z.string().optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const SessionInfo = z.object({
  id: SessionId,
  agent: DefinitionName,
  createdAt: z.string(),
  messageCount: z.number().int().min(0),
  /** User messages appended so far, and when the last append was (absent from older readers). */
  turns: z.number().int().min(0).optional(),
  lastActiveAt: z.string().optional(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const SessionHistory = SessionInfo.extend({ messages: z.array(ChatMessage) });
export type SessionHistory = z.infer<typeof SessionHistory>;

export const SessionList = z.object({ items: z.array(SessionInfo), total: z.number().int().min(0) });
export type SessionList = z.infer<typeof SessionList>;

export const SessionRef = z.object({ id: SessionId, agent: DefinitionName });
export type SessionRef = z.infer<typeof SessionRef>;

export const SessionCreateRequest = z.object({ agent: DefinitionName });

export const SessionListRequest = z.object({
  agent: DefinitionName,
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).default(0),
});
