import { ChatMessage } from "@switchyard/contracts";
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
      const id = sessionId ?? (await client.create({ agent: agent.name }, { deadlineMs })).id;
      const stored = sessionId ? await client.get({ id, agent: agent.name }, { deadlineMs }) : { messagesJson: [] };
      const history = stored.messagesJson.map((json) => ChatMessage.parse(JSON.parse(json)));
      return {
        id,
        history,
        append: async (messages) => {
          const result = await client.append({ id, messagesJson: messages.map((message) => JSON.stringify(message)) }, { deadlineMs });
          return result.trimmed;
        },
      };
    },
  };
}
