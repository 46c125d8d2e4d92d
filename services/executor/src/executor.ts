import {
  DefinitionChanged,
  type OrderedRunEvent,
  queueGroups,
  type RunAccepted,
  RunRequest,
  runLimits,
  type Subjects,
  ToolCall,
  Usage,
} from "@switchyard/contracts";
import { validateInputs } from "@switchyard/definitions";
import { AppError, toAppError } from "@switchyard/errors";
import type { RegistryGrpcClient } from "@switchyard/grpc";
import { decodeJson, EmptyReply, encodeJson, type NatsConnection, serveRequests } from "@switchyard/nats";
import type { Logger, Tracer } from "@switchyard/telemetry";
import { z } from "zod";
import { type ChatPlan, chatFinishReason, chatText, chatUsage, planChat } from "./chat.ts";
import type { ComponentOutputs, ToolCaller } from "./components/index.ts";
import { type CachedDefinition, createDefinitionCache } from "./definitions-cache.ts";
import { runPipeline } from "./engine.ts";
import type { ProviderSet } from "./providers/index.ts";
import { createRunPublisher } from "./run-publisher.ts";

export interface ExecutorDeps {
  nats: NatsConnection;
  subjects: Subjects;
  registry: RegistryGrpcClient;
  providers: ProviderSet;
  tools: ToolCaller;
  modelAliases: readonly string[];
  logger: Logger;
  tracer: Tracer;
  instance: string;
  maxRuns: number;
  definitionTtlMs: number;
  grpcDeadlineMs: number;
}

export interface Executor {
  start(): Promise<void>;
  /** Stops taking runs and waits (bounded) for the open ones to finish. */
  stop(): Promise<void>;
  activeRuns(): number;
}

type ChatAnswer = NonNullable<Extract<OrderedRunEvent, { type: "done" }>["chat"]>;

interface RunPlan {
  inputs: Record<string, unknown>;
  chat: ChatPlan | undefined;
}

/** NATS caps a message at 1 MiB by default; results past this are refused, not truncated. */
const maxResultBytes = 900 * 1024;

export function createExecutor(deps: ExecutorDeps): Executor {
  const { nats, subjects, logger, tracer } = deps;
  const cache = createDefinitionCache({
    registry: deps.registry,
    modelAliases: deps.modelAliases,
    ttlMs: deps.definitionTtlMs,
    deadlineMs: deps.grpcDeadlineMs,
  });
  const engine = { providers: deps.providers, tools: deps.tools, definition: (name: string) => cache.get(name) };
  const runs = new Map<string, Promise<void>>();
  const subscriptions: { unsubscribe(): void }[] = [];

  async function execute(request: RunRequest, entry: CachedDefinition, plan: RunPlan): Promise<void> {
    const controller = new AbortController();
    const publisher = createRunPublisher(nats, subjects, { runId: request.runId, flowControl: request.stream, signal: controller.signal });
    const deadline = setTimeout(
      () => controller.abort(new AppError("timeout", `run exceeded its deadline of ${request.deadlineMs} ms`)),
      request.deadlineMs,
    );
    const cancel = nats.subscribe(subjects.run(request.runId, "cancel"), {
      max: 1,
      callback: () => controller.abort(new AppError("cancelled", "the run was cancelled by its client")),
    });
    const heartbeat = setInterval(() => publisher.heartbeat(), runLimits.heartbeatMs);
    logger.debug({ runId: request.runId, name: request.name, version: entry.version }, "run started");
    const streams = (component: string) => request.stream && (plan.chat === undefined || component === plan.chat.answeringComponent);
    const usages: Usage[] = [];
    const finished: Record<string, ComponentOutputs> = {};
    try {
      const outputs = await runPipeline(engine, entry, plan.inputs, {
        signal: controller.signal,
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
      if (encodeJson(outputs).byteLength > maxResultBytes) {
        throw new AppError("payload_too_large", `the result is larger than ${maxResultBytes} bytes`);
      }
      let chat: ChatAnswer | undefined;
      if (plan.chat && request.chat) {
        const text = chatText(outputs[plan.chat.outputName]);
        const answering = plan.chat.answeringComponent ? finished[plan.chat.answeringComponent] : undefined;
        const toolCalls = z.array(ToolCall).safeParse(answering?.tool_calls);
        chat = {
          text,
          finish_reason: chatFinishReason(answering),
          usage: await chatUsage(usages, request.chat.message, text),
          ...(toolCalls.success && toolCalls.data.length ? { tool_calls: toolCalls.data } : {}),
        };
      }
      await publisher.emit({ type: "done", outputs, ...(chat ? { chat } : {}) });
    } catch (error) {
      const appError = toAppError(error);
      if (appError.code === "internal") logger.error({ err: error, runId: request.runId }, "run failed");
      await publisher.emit({ type: "error", error: appError.toWire() });
    } finally {
      clearTimeout(deadline);
      clearInterval(heartbeat);
      cancel.unsubscribe();
      publisher.close();
    }
  }

  return {
    activeRuns: () => runs.size,
    async start() {
      subscriptions.push(
        nats.subscribe(subjects.event("definitionChanged"), {
          callback: (error, message) => {
            if (error) return;
            try {
              cache.invalidate(decodeJson(DefinitionChanged, message.data));
            } catch {
              cache.clear();
            }
          },
        }),
        serveRequests(nats, {
          subject: subjects.request("execRun"),
          queue: queueGroups.executor,
          schema: RunRequest,
          logger,
          tracer,
          handler: async (request): Promise<RunAccepted> => {
            if (runs.size >= deps.maxRuns) {
              throw new AppError("unavailable", "every executor is at its run limit; try again", { details: { busy: true } });
            }
            if (runs.has(request.runId)) throw new AppError("conflict", `run '${request.runId}' is already running`);
            const entry = await cache.get(request.name).catch((error: unknown) => {
              const appError = toAppError(error);
              if (request.chat && appError.code === "not_found") {
                throw new AppError("not_found", `The model '${request.name}' does not exist`, { param: "model" });
              }
              throw appError;
            });
            const chat = request.chat ? planChat(entry.definition, request.chat) : undefined;
            const inputs = validateInputs(entry.definition, chat ? { ...chat.inputs, ...request.inputs } : request.inputs);
            // The reply goes first; the run continues under this request's trace context.
            const run = execute(request, entry, { inputs, chat }).finally(() => runs.delete(request.runId));
            runs.set(request.runId, run);
            return { runId: request.runId, executor: deps.instance };
          },
        }),
        serveRequests(nats, {
          subject: subjects.request("execPing"),
          logger,
          tracer,
          schema: EmptyReply,
          handler: async () => ({ service: "executor", instance: deps.instance }),
        }),
      );
      await nats.flush();
    },
    async stop() {
      for (const subscription of subscriptions) subscription.unsubscribe();
      const open = [...runs.values()];
      await Promise.race([Promise.allSettled(open), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      deps.registry.close();
    },
  };
}
