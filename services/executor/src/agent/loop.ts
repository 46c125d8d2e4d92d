import { type ChatMessage, JsonObject, parseJson, type ToolCall, type Usage } from "@switchyard/contracts";
import { type AgentDefinition, type AgentInputs, renderTemplate } from "@switchyard/definitions";
import { AppError, toAppError } from "@switchyard/errors";
import type { ToolCaller } from "../components/index.ts";
import type { CachedDefinition } from "../definitions-cache.ts";
import { collectAnswer, sumUsage } from "../providers/answer.ts";
import type { ProviderSet } from "../providers/index.ts";
import type { SessionMemory } from "./memory.ts";
import { buildToolset, type ToolTarget } from "./toolset.ts";

/** Bound on one tool result handed back to the model. */
const maxToolResultChars = 64 * 1024;

export interface AgentDeps {
  providers: ProviderSet;
  tools: ToolCaller;
  definition(name: string): Promise<CachedDefinition>;
  runPipeline(name: string, inputs: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>>;
  memory: SessionMemory;
}

export interface AgentEvents {
  delta(text: string): Promise<void>;
  toolCall(call: ToolCall): Promise<void>;
  toolResult(result: { id: string; name: string; content: string; is_error: boolean }): Promise<void>;
}

export interface AgentCallRecord {
  id: string;
  name: string;
  arguments: string;
  result: string;
  is_error: boolean;
}

export interface AgentResult {
  output: string;
  session_id: string | null;
  tool_calls: AgentCallRecord[];
  usage: Usage;
  /** Oldest session messages dropped by this turn to stay within the session's caps. */
  trimmed: number;
  messages: ChatMessage[];
  /** Which turn of the conversation this was (1 for the first). */
  turn: number;
}

/** How one turn is asked for, beyond its input. */
export interface AgentTurnOptions {
  /** Whether text is forwarded as it comes; if not, the model may answer each step whole (default true). */
  streaming?: boolean;
  /**
   * The conversation a chat client sent before its message: it stands in for the session's
   * history (the client's own record of the conversation wins; only the turn is appended).
   */
  clientHistory?: readonly ChatMessage[];
  /** A client's own conversation id (Open WebUI's `chat_id`, AG-UI's `threadId`): names the session when none is given. */
  conversation?: string;
}

/**
 * The tool-calling loop: ask the model; run the tools it asks for (in parallel), hand the
 * results back; repeat until it answers without tools or `max_steps` is spent. Tool
 * failures go back to the model as results. The turn is appended to the session at the end.
 */
export async function runAgent(
  deps: AgentDeps,
  agent: AgentDefinition,
  input: AgentInputs,
  events: AgentEvents,
  signal: AbortSignal,
  turn: AgentTurnOptions = {},
): Promise<AgentResult> {
  const streaming = turn.streaming ?? true;
  const clientHistory = turn.clientHistory ?? [];
  const session = await deps.memory.open(agent, input.session_id, turn.conversation);
  const toolset = await buildToolset(agent, deps.tools, deps.definition, signal);
  const system = agent.instructions ? renderTemplate(agent.instructions, input.variables ?? {}) : "";
  const messagesOfTurn: ChatMessage[] = [{ role: "user", content: input.message }];
  const earlierUserTurns = (clientHistory.length > 0 ? clientHistory : session.history).filter((message) => message.role === "user").length;
  const records: AgentCallRecord[] = [];
  let usage: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  const provider = deps.providers.get(agent.model);

  for (let step = 0; step < agent.max_steps; step += 1) {
    const earlier = clientHistory.length > 0 ? clientHistory : session.history;
    const messages: ChatMessage[] = [...(system ? [{ role: "system" as const, content: system }] : []), ...earlier, ...messagesOfTurn];
    const request = {
      messages,
      temperature: input.options?.temperature ?? agent.temperature,
      ...(input.options?.max_tokens ? { maxTokens: input.options.max_tokens } : {}),
      incremental: streaming,
      ...(toolset.tools.length ? { tools: toolset.tools } : {}),
    };
    // Tool calls are announced whole, once the answer is in: their pieces are not forwarded.
    const answer = await collectAnswer(provider.stream(request, signal), messages, { text: events.delta });
    usage = sumUsage([usage, answer.usage]);
    if (answer.toolCalls.length === 0) {
      messagesOfTurn.push({ role: "assistant", content: answer.text });
      const trimmed = await session.append(messagesOfTurn);
      // The session's turn number: its user messages before this one, plus this one.
      const turnNumber = earlierUserTurns + 1;
      return {
        output: answer.text,
        session_id: session.id,
        tool_calls: records,
        usage,
        trimmed,
        messages: messagesOfTurn,
        turn: turnNumber,
      };
    }
    messagesOfTurn.push({ role: "assistant", content: answer.text || null, tool_calls: answer.toolCalls });
    for (const call of answer.toolCalls) await events.toolCall(call);
    const results = await Promise.all(
      answer.toolCalls.map((call) => runToolCall(deps, toolset.targets.get(call.function.name), call, signal)),
    );
    for (const [index, call] of answer.toolCalls.entries()) {
      const result = results[index] ?? { content: "no result", is_error: true };
      records.push({
        id: call.id,
        name: call.function.name,
        arguments: call.function.arguments,
        result: result.content,
        is_error: result.is_error,
      });
      await events.toolResult({ id: call.id, name: call.function.name, ...result });
      messagesOfTurn.push({ role: "tool", tool_call_id: call.id, content: result.content });
    }
  }
  throw new AppError("max_steps_exceeded", `the agent did not finish within max_steps (${agent.max_steps})`, {
    details: { transcript: messagesOfTurn, tool_calls: records },
  });
}

async function runToolCall(deps: AgentDeps, target: ToolTarget | undefined, call: ToolCall, signal: AbortSignal) {
  try {
    if (!target) throw new AppError("not_found", `there is no tool '${call.function.name}'`);
    const record = parseJson(
      JsonObject,
      call.function.arguments || "{}",
      (detail) => new AppError("invalid_input", `the tool arguments must be a JSON object (${detail})`),
    );
    if (target.kind === "pipeline") {
      return { content: clip(JSON.stringify(await deps.runPipeline(target.pipeline, record, signal))), is_error: false };
    }
    const result = await deps.tools.call(target.server, target.tool, record, signal);
    return { content: clip(result.text || JSON.stringify(result.content)), is_error: result.isError };
  } catch (error) {
    if (signal.aborted) throw error;
    return { content: clip(`error: ${toAppError(error).message}`), is_error: true };
  }
}

function clip(text: string): string {
  return text.length > maxToolResultChars ? `${text.slice(0, maxToolResultChars)}… (truncated)` : text;
}
