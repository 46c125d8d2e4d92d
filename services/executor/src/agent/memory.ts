import { createHash } from "node:crypto";
import type { ChatMessage } from "@switchyard/contracts";
import type { AgentDefinition } from "@switchyard/definitions";
import type { SessionGrpcClient } from "@switchyard/grpc";

export interface OpenSession {
  id: string | null;
  history: ChatMessage[];
  /** Appends the turn; returns how many old messages the caps dropped. */
  append(messages: ChatMessage[]): Promise<number>;
}

export interface SessionMemory {
  /**
   * The agent's session: continued, newly made, or none when the agent keeps no memory. A
   * client's conversation id (without a session id) names one: the same id, the same session.
   */
  open(agent: AgentDefinition, sessionId: string | undefined, conversation?: string): Promise<OpenSession>;
}

/** Session memory through the session service over gRPC; executors keep none themselves. */
export function createSessionMemory(client: SessionGrpcClient, deadlineMs: number): SessionMemory {
  return {
    async open(agent, sessionId, conversation) {
      if (agent.memory === "none") return { id: null, history: [], append: async () => 0 };
      if (sessionId === undefined && conversation !== undefined) {
        const keyed = await client.create(agent.name, { deadlineMs }, conversationSessionId(agent.name, conversation));
        const history = keyed.messageCount > 0 ? (await client.get(keyed.id, agent.name, { deadlineMs })).messages : [];
        return { id: keyed.id, history, append: async (messages) => (await client.append(keyed.id, messages, { deadlineMs })).trimmed };
      }
      const id = sessionId ?? (await client.create(agent.name, { deadlineMs })).id;
      const history = sessionId ? (await client.get(id, agent.name, { deadlineMs })).messages : [];
      return {
        id,
        history,
        append: async (messages) => (await client.append(id, messages, { deadlineMs })).trimmed,
      };
    },
  };
}

/** The session id a client's conversation id maps to, per agent: `c` and 40 hex digits. */
export function conversationSessionId(agent: string, conversation: string): string {
  return `c${createHash("sha256").update(`${agent}\u0000${conversation}`).digest("hex").slice(0, 40)}`;
}
