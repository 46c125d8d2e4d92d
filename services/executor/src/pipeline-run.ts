import type { RunRequest } from "@switchyard/contracts";
import { answerChat, type ChatPlan, type DoneBody } from "./chat.ts";
import type { CachedPipeline } from "./definitions-cache.ts";
import { type EngineDeps, runPipeline } from "./engine.ts";
import { type Answer, sumUsage } from "./providers/answer.ts";
import type { RunPublisher } from "./run-publisher.ts";

export interface PipelinePlan {
  inputs: Record<string, unknown>;
  chat: ChatPlan | undefined;
}

/** Runs a pipeline for a run request: streams the answering component's text when asked, and answers chat turns. */
export async function runPipelineRequest(
  engine: EngineDeps,
  request: RunRequest,
  entry: CachedPipeline,
  plan: PipelinePlan,
  publisher: RunPublisher,
  signal: AbortSignal,
): Promise<DoneBody> {
  const streams = (component: string) => request.stream && (plan.chat === undefined || component === plan.chat.answeringComponent);
  const answers = new Map<string, Answer>();
  const outputs = await runPipeline(engine, entry, plan.inputs, {
    signal,
    streams,
    onDelta: (component, text) => (streams(component) ? publisher.emit({ type: "delta", component, text }) : undefined),
    onToolCall: (component, delta) => (streams(component) ? publisher.emit({ type: "tool_call", component, ...delta }) : undefined),
    onComponentDone: (name, result) => {
      if (result.answer) answers.set(name, result.answer);
    },
    ...(plan.chat?.answeringComponent && request.chat
      ? {
          chatTools: {
            component: plan.chat.answeringComponent,
            tools: request.chat.tools,
            toolChoice: request.chat.tool_choice,
            history: request.chat.history,
            trailing: request.chat.trailing,
          },
        }
      : {}),
  });
  const usage = answers.size > 0 ? { usage: sumUsage([...answers.values()].map((answer) => answer.usage)) } : {};
  if (!plan.chat || !request.chat) return { outputs, ...usage };
  return { outputs, ...usage, chat: await answerChat(plan.chat, request.chat, outputs, answers) };
}
