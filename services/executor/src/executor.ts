import { DefinitionChanged, queueGroups, type RunAccepted, RunRequest, runLimits, type Subjects } from "@switchyard/contracts";
import { validateInputs } from "@switchyard/definitions";
import { AppError, toAppError } from "@switchyard/errors";
import type { RegistryGrpcClient } from "@switchyard/grpc";
import { decodeJson, EmptyReply, encodeJson, type NatsConnection, serveRequests } from "@switchyard/nats";
import type { Logger, Tracer } from "@switchyard/telemetry";
import { type CachedDefinition, createDefinitionCache } from "./definitions-cache.ts";
import { runPipeline } from "./engine.ts";
import type { ProviderSet } from "./providers/index.ts";
import { createRunPublisher } from "./run-publisher.ts";

export interface ExecutorDeps {
  nats: NatsConnection;
  subjects: Subjects;
  registry: RegistryGrpcClient;
  providers: ProviderSet;
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
  const engine = { providers: deps.providers, definition: (name: string) => cache.get(name) };
  const runs = new Map<string, Promise<void>>();
  const subscriptions: { unsubscribe(): void }[] = [];

  async function execute(request: RunRequest, entry: CachedDefinition, inputs: Record<string, unknown>): Promise<void> {
    const publisher = createRunPublisher(nats, subjects, request.runId);
    const controller = new AbortController();
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
    try {
      const outputs = await runPipeline(engine, entry, inputs, {
        signal: controller.signal,
        onDelta: (component, text) => publisher.emit({ type: "delta", component, text }),
      });
      if (encodeJson(outputs).byteLength > maxResultBytes) {
        throw new AppError("payload_too_large", `the result is larger than ${maxResultBytes} bytes`);
      }
      publisher.emit({ type: "done", outputs });
    } catch (error) {
      const appError = toAppError(error);
      if (appError.code === "internal") logger.error({ err: error, runId: request.runId }, "run failed");
      publisher.emit({ type: "error", error: appError.toWire() });
    } finally {
      clearTimeout(deadline);
      clearInterval(heartbeat);
      cancel.unsubscribe();
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
            if (runs.size >= deps.maxRuns) throw new AppError("unavailable", "executor is at its run limit; try again");
            if (runs.has(request.runId)) throw new AppError("conflict", `run '${request.runId}' is already running`);
            const entry = await cache.get(request.name);
            const inputs = validateInputs(entry.definition, request.inputs);
            // The reply goes first; the run continues under this request's trace context.
            const run = execute(request, entry, inputs).finally(() => runs.delete(request.runId));
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
