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
  /** The agent's session: continued, newly made, or none when the agent keeps no memory. */
  open(agent: AgentDefinition, sessionId: string | undefined): Promise<OpenSession>;
}

/** Session memory through the session service over gRPC; executors keep none themselves. */
export function createSessionMemory(client: SessionGrpcClient, deadlineMs: number): SessionMemory {
  return {
    async open(agent, sessionId) {
      if (agent.memory === "none") return { id: null, history: [], append: async () => 0 };
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
