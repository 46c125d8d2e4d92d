import { WireError } from "@switchyard/errors";
import { z } from "zod";
import { DefinitionName } from "./registry.ts";
import { ChatMessage } from "./sessions.ts";

export const RunId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);
const linkIdPattern = /^[A-Za-z0-9_-]{8,64}$/;
/** A process's end of the run link: the last token of `<prefix>.link.<side>.<id>`. */
export const LinkId = z.string().regex(linkIdPattern);

/** Bounds shared by the gateway and the executors. */
export const runLimits = {
  /** Longest a run may be asked to take. */
  maxDeadlineMs: 15 * 60 * 1000,
  /** An executor heartbeats this often while a run is open. */
  heartbeatMs: 500,
  /** The gateway gives up on a run after this long without any event. */
  heartbeatTimeoutMs: 2000,
  /** Streamed events an executor may send beyond what the gateway has granted. */
  creditWindow: 64,
  /** Largest chat message taken from a request. */
  chatMessageChars: 1024 * 1024,
  /** Most tools a chat request may pass to the model. */
  chatTools: 128,
  /**
   * How many runs deep one request may go through MCP tool calls that come back to a gateway
   * (an agent whose tool server is Switchyard's own `/mcp`): past it the call is refused.
   */
  maxHops: 4,
} as const;

/** The `_meta` key that carries the hop count from the mcp service to an MCP server (and back into a gateway). */
export const hopsMetaKey = "switchyard/hops";

export const Usage = z.object({
  prompt_tokens: z.number().int().min(0),
  completion_tokens: z.number().int().min(0),
  total_tokens: z.number().int().min(0),
});
export type Usage = z.infer<typeof Usage>;

/**
 * A client's own conversation id, scoped by the gateway to the asking key (Open WebUI's
 * `chat_id`, AG-UI's `threadId`, A2A's `contextId`): for an agent with session memory it names the session.
 */
export const Conversation = z.string().min(1).max(512);

/** A chat turn: the message feeds the pipeline's chat input; tools go to the chat model as they are. */
export const RunChat = z.object({
  message: z.string().max(runLimits.chatMessageChars),
  /**
   * The conversation around that message, as the client sent it: what came before it, and
   * what came after it (the assistant's tool calls and their results of a turn in progress).
   * The model that answers sees all of it, the message in its place.
   */
  history: z.array(ChatMessage).max(4096).optional(),
  trailing: z.array(ChatMessage).max(4096).optional(),
  conversation: Conversation.optional(),
  tools: z.array(z.record(z.string(), z.unknown())).max(runLimits.chatTools).optional(),
  tool_choice: z.unknown().optional(),
});
export type RunChat = z.infer<typeof RunChat>;

export const RunRequest = z.object({
  runId: RunId,
  name: DefinitionName,
  inputs: z.record(z.string(), z.unknown()),
  deadlineMs: z.number().int().positive().max(runLimits.maxDeadlineMs),
  /** Stream text as `delta` events under credit-based flow control. */
  stream: z.boolean().default(false),
  /** Run as a chat turn through the pipeline's `chat` mapping. */
  chat: RunChat.optional(),
  /** A background run's conversation, as a chat's `conversation`. */
  conversation: Conversation.optional(),
  /** Only run a definition of this kind (`/v1/agents/x/invoke` must not run pipeline x). */
  kind: z.enum(["pipeline", "agent"]).optional(),
  /** Runs this request is nested in through MCP calls back into a gateway (0 for a client's own). */
  hops: z.number().int().min(0).max(runLimits.maxHops).default(0),
  /** The asking gateway's link id: the run's events go to `<prefix>.link.gateway.<gatewayLink>`. */
  gatewayLink: LinkId,
});
export type RunRequest = z.infer<typeof RunRequest>;

/**
 * What a gateway tells the executor of a run, batched per executor: `credit` grants events up
 * to (not including) sequence number `upTo` (absolute, so resending is harmless; repeated
 * every heartbeat while the client is connected); `cancel` stops the run.
 */
export const RunControl = z.discriminatedUnion("type", [
  z.object({ runId: RunId, type: z.literal("credit"), upTo: z.number().int().min(0) }),
  z.object({ runId: RunId, type: z.literal("cancel") }),
]);
export type RunControl = z.infer<typeof RunControl>;

const Seq = z.number().int().min(0);

export const FinishReason = z.enum(["stop", "length", "tool_calls", "content_filter"]);
export type FinishReason = z.infer<typeof FinishReason>;

export const ToolCall = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
export type ToolCall = z.infer<typeof ToolCall>;

/** The text of the component that answers, as it streams. */
export const DeltaEvent = z.object({ type: z.literal("delta"), seq: Seq, component: z.string(), text: z.string() });
/** A piece of a tool call from the model, in OpenAI's streaming form. */
export const ToolCallEvent = z.object({
  type: z.literal("tool_call"),
  seq: Seq,
  component: z.string(),
  index: z.number().int().min(0),
  id: z.string().optional(),
  name: z.string().optional(),
  arguments: z.string().optional(),
});
/** What a tool an agent called returned (or the error it failed with). */
export const ToolResultEvent = z.object({
  type: z.literal("tool_result"),
  seq: Seq,
  id: z.string(),
  name: z.string(),
  content: z.string(),
  is_error: z.boolean(),
});

/**
 * Ordered events of one run, sent to its gateway's link with the run's id beside them
 * (`{runId, ...event}`). `seq` starts at 0 and has no gaps.
 */
export const RunEvent = z.discriminatedUnion("type", [
  DeltaEvent,
  ToolCallEvent,
  ToolResultEvent,
  z.object({
    type: z.literal("done"),
    seq: Seq,
    outputs: z.record(z.string(), z.unknown()),
    /** A code pipeline's run: `outputs.result` is what its wrapper returned, which Hayhooks' `/run` answers as it is. */
    returned: z.boolean().optional(),
    /** Tokens the run's model calls used (absent when no model ran): what a key's token limit is charged. */
    usage: Usage.optional(),
    /** For chat runs: the chat output as text, why the model stopped, and the run's token usage. */
    chat: z
      .object({ text: z.string(), finish_reason: FinishReason, usage: Usage, tool_calls: z.array(ToolCall).max(128).optional() })
      .optional(),
  }),
  z.object({ type: z.literal("error"), seq: Seq, error: WireError }),
  /** Liveness only: not part of the ordered stream, so it carries no `seq`. */
  z.object({ type: z.literal("heartbeat") }),
]);
export type RunEvent = z.infer<typeof RunEvent>;
export type OrderedRunEvent = Exclude<RunEvent, { type: "heartbeat" }>;

/**
 * The executor's answer to a run request, sent to the asking gateway's link ahead of the run's
 * events (the request itself is published to `sy.exec.run` with no reply expected there):
 * `accepted` names the executor and its link, `refused` carries the error (busy, unknown
 * definition, bad input). A request nobody is subscribed to is answered by NATS itself,
 * with a "no responders" status on `<prefix>.link.gateway.<gatewayLink>.<runId>`.
 */
export const RunReply = z.discriminatedUnion("type", [
  /** `link`: the executor's link id, where the run's credit and cancel go (`<prefix>.link.executor.<link>`). */
  z.object({ type: z.literal("accepted"), executor: z.string(), link: LinkId }),
  z.object({ type: z.literal("refused"), error: WireError }),
]);
export type RunReply = z.infer<typeof RunReply>;
export type RunAccepted = Extract<RunReply, { type: "accepted" }>;

/**
 * One item of a batch on a gateway's link: the run it belongs to and its event or reply, checked.
 * Deltas and heartbeats, nearly every item there is, are checked field by field; the rest
 * through the `RunEvent` or `RunReply` schema. `event` is undefined when the item is malformed;
 * the whole result is undefined when it names no run.
 */
export function readLinkedEvent(item: unknown): { runId: string; event: RunEvent | RunReply | undefined } | undefined {
  if (typeof item !== "object" || item === null || !("runId" in item) || typeof item.runId !== "string") return undefined;
  const runId = item.runId;
  if ("type" in item && item.type === "heartbeat") return { runId, event: { type: "heartbeat" } };
  if (
    "type" in item &&
    item.type === "delta" &&
    "seq" in item &&
    typeof item.seq === "number" &&
    Number.isInteger(item.seq) &&
    item.seq >= 0 &&
    "component" in item &&
    typeof item.component === "string" &&
    "text" in item &&
    typeof item.text === "string"
  ) {
    return { runId, event: { type: "delta", seq: item.seq, component: item.component, text: item.text } };
  }
  if (
    "type" in item &&
    item.type === "accepted" &&
    "executor" in item &&
    typeof item.executor === "string" &&
    "link" in item &&
    typeof item.link === "string" &&
    linkIdPattern.test(item.link)
  ) {
    return { runId, event: { type: "accepted", executor: item.executor, link: item.link } };
  }
  const isReply = "type" in item && (item.type === "accepted" || item.type === "refused");
  const parsed = isReply ? RunReply.safeParse(item) : RunEvent.safeParse(item);
  return { runId, event: parsed.success ? parsed.data : undefined };
}
