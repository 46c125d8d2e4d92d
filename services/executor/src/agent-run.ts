import type { RunRequest } from "@switchyard/contracts";
import type { AgentInputs } from "@switchyard/definitions";
import { type AgentDeps, runAgent } from "./agent/loop.ts";
import type { DoneBody } from "./chat.ts";
import type { CachedAgent } from "./definitions-cache.ts";
import type { RunPublisher } from "./run-publisher.ts";

/** Runs an agent for a run request, streaming text, tool calls and tool results as events. */
export async function runAgentRequest(
  deps: AgentDeps,
  request: RunRequest,
  entry: CachedAgent,
  input: AgentInputs,
  publisher: RunPublisher,
  signal: AbortSignal,
): Promise<DoneBody> {
  const component = "agent";
  let callIndex = 0;
  // A chat turn's conversation, else a background run's.
  const conversation = request.chat?.conversation ?? request.conversation;
  const result = await runAgent(
    deps,
    entry.definition,
    input,
    {
      delta: async (text) => {
        if (request.stream) await publisher.emit({ type: "delta", component, text });
      },
      toolCall: async (call) => {
        if (request.stream) {
          await publisher.emit({
            type: "tool_call",
            component,
            index: callIndex++,
            id: call.id,
            name: call.function.name,
            arguments: call.function.arguments,
          });
        }
      },
      toolResult: async (result) => {
        if (request.stream) await publisher.emit({ type: "tool_result", ...result });
      },
    },
    signal,
    {
      streaming: request.stream,
      clientHistory: request.chat?.history ?? [],
      ...(conversation ? { conversation } : {}),
    },
  );
  const outputs = {
    output: result.output,
    session_id: result.session_id,
    tool_calls: result.tool_calls,
    usage: result.usage,
    trimmed: result.trimmed,
    turn: result.turn,
  };
  return { outputs, usage: result.usage, chat: { text: result.output, finish_reason: "stop", usage: result.usage } };
}
