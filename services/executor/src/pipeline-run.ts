import { type OrderedRunEvent, type RunRequest, ToolCall, Usage } from "@switchyard/contracts";
import { z } from "zod";
import { type ChatPlan, chatFinishReason, chatText, chatUsage } from "./chat.ts";
import type { ComponentOutputs } from "./components/index.ts";
import type { CachedPipeline } from "./definitions-cache.ts";
import { type EngineDeps, runPipeline } from "./engine.ts";
import type { RunPublisher } from "./run-publisher.ts";

export type DoneBody = Omit<Extract<OrderedRunEvent, { type: "done" }>, "seq" | "type">;
type ChatAnswer = NonNullable<DoneBody["chat"]>;

export interface PipelinePlan {
  inputs: Record<string, unknown>;
  chat: ChatPlan | undefined;
}

/**
 * Runs a pipeline for a run request: streams the answering component's text when asked,
 * and for chat turns works out the answer, finish reason and usage.
 */
export async function runPipelineRequest(
  engine: EngineDeps,
  request: RunRequest,
  entry: CachedPipeline,
  plan: PipelinePlan,
  publisher: RunPublisher,
  signal: AbortSignal,
): Promise<DoneBody> {
  const streams = (component: string) => request.stream && (plan.chat === undefined || component === plan.chat.answeringComponent);
  const usages: Usage[] = [];
  const finished: Record<string, ComponentOutputs> = {};
  const outputs = await runPipeline(engine, entry, plan.inputs, {
    signal,
    streams,
    onDelta: (component, text) => (streams(component) ? publisher.emit({ type: "delta", component, text }) : undefined),
    onToolCall: (component, delta) => (streams(component) ? publisher.emit({ type: "tool_call", component, ...delta }) : undefined),
    onComponentDone: (name, type, componentOutputs) => {
      finished[name] = componentOutputs;
      const usage = Usage.safeParse(componentOutputs.usage);
      if (type === "llm" && usage.success) usages.push(usage.data);
    },
    ...(plan.chat?.answeringComponent && request.chat
      ? { chatTools: { component: plan.chat.answeringComponent, tools: request.chat.tools, toolChoice: request.chat.tool_choice } }
      : {}),
  });
  if (!plan.chat || !request.chat) return { outputs };
  const text = chatText(outputs[plan.chat.outputName]);
  const answering = plan.chat.answeringComponent ? finished[plan.chat.answeringComponent] : undefined;
  const toolCalls = z.array(ToolCall).safeParse(answering?.tool_calls);
  const chat: ChatAnswer = {
    text,
    finish_reason: chatFinishReason(answering),
    usage: await chatUsage(usages, request.chat.message, text),
    ...(toolCalls.success && toolCalls.data.length ? { tool_calls: toolCalls.data } : {}),
  };
  return { outputs, chat };
}
