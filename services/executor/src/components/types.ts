import type { ChatMessage, JsonObject, McpToolResult, McpToolSpec } from "@switchyard/contracts";
import type { Component } from "@switchyard/definitions";
import type { Answer } from "../providers/answer.ts";
import type { ProviderSet, ToolCallDelta } from "../providers/index.ts";

/** A value as text: strings as they are, nothing as "", anything else as JSON. */
/** What a chat request gives the component that answers it. */
export interface ChatTurn {
  tools?: Record<string, unknown>[] | undefined;
  toolChoice?: unknown;
  /** Messages before the prompt, and after it, as the client sent them. */
  history?: ChatMessage[] | undefined;
  trailing?: ChatMessage[] | undefined;
}

export function asText(value: unknown): string {
  return typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value);
}

/** Every component's outputs, as templates and references see them; `text` is always there. */
export type ComponentOutputs = { text: string } & Record<string, unknown>;

/** What a component produced: its outputs, and for an llm component the model's answer, typed. */
export interface ComponentResult {
  outputs: ComponentOutputs;
  answer?: Answer;
}

/** Tools on MCP servers, reached through the mcp service. */
export interface ToolCaller {
  call(server: string, tool: string, args: JsonObject, signal: AbortSignal): Promise<McpToolResult>;
  list(server: string, signal: AbortSignal): Promise<McpToolSpec[]>;
}

export interface ComponentContext {
  /** The component's name in its pipeline. */
  name: string;
  signal: AbortSignal;
  /** Pipeline inputs and finished components' outputs, by name (what templates see). */
  view: Record<string, unknown>;
  /** The value a reference (`component.output`, `inputs.name`) points at. */
  resolve(reference: string): unknown;
  /** Whether this component's pieces are forwarded as they come (else it may ask for whole answers). */
  streaming: boolean;
  /** Streams a piece of text produced by this component; resolves when the client may take more. */
  emit(text: string): Promise<void>;
  /** Streams a piece of a tool call made by this component's model. */
  emitToolCall(delta: ToolCallDelta): Promise<void>;
  /** The chat request's tools and conversation, given only to the component that answers a chat. */
  chatTools?: ChatTurn | undefined;
  providers: ProviderSet;
  tools: ToolCaller;
  /** Runs another deployed pipeline to completion. */
  runPipeline(name: string, inputs: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export type ComponentRunner<T extends Component["type"]> = (
  component: Extract<Component, { type: T }>,
  context: ComponentContext,
) => Promise<ComponentResult>;
