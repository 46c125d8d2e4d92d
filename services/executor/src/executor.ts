import { type ModelCatalog, sandboxLimitsOf } from "@switchyard/config";
import { DefinitionChanged, type ExecutionJob, endpoints, type RunRequest, runLimits } from "@switchyard/contracts";
import { AgentInputs, validateInputs } from "@switchyard/definitions";
import { AppError, toAppError } from "@switchyard/errors";
import type { AccessGrpcClient, McpGrpcClient, RegistryGrpcClient, SessionGrpcClient } from "@switchyard/grpc";
import { type Bus, createUploadStore, decodeJson, encodeJson, serve } from "@switchyard/nats";
import { createOutboundGuard } from "@switchyard/net";
import type { Redis } from "@switchyard/redis";
import { createSandboxPool } from "@switchyard/sandbox";
import type { Logger, Registry, Tracer } from "@switchyard/telemetry";
import { createSessionMemory } from "./agent/memory.ts";
import { runAgentRequest } from "./agent-run.ts";
import { type DoneBody, planChat } from "./chat.ts";
import { type CodeDeps, runCodeRequest } from "./code-run.ts";
import type { ExecutorConfig } from "./config.ts";
import { watchConnection } from "./connection-watch.ts";
import { createCredentialCache } from "./credentials.ts";
import { type CachedDefinition, createDefinitionCache } from "./definitions-cache.ts";
import { type EngineDeps, runPipelineAt, runPipelineByName } from "./engine.ts";
import { createCallbackSender } from "./executions/callbacks.ts";
import { createExecutionsService } from "./executions/service.ts";
import { createExecutorMetrics } from "./metrics.ts";
import { runPipelineRequest } from "./pipeline-run.ts";
import { createProviderSet } from "./providers/index.ts";
import { tracedProvider } from "./providers/traced.ts";
import { registerModelKeys, scrubbedError } from "./redaction.ts";
import { createExecutorLink } from "./run-link.ts";
import { createRunPublisher, type RunPublisher } from "./run-publisher.ts";
import { serveRunRequests } from "./run-requests.ts";
import { createSandboxControl } from "./sandbox-control.ts";
import { createToolCaller } from "./tool-caller.ts";

export interface ExecutorDeps {
  bus: Bus;
  /** The peers, over gRPC: definitions, tools, conversations. */
  registry: RegistryGrpcClient;
  mcp: McpGrpcClient;
  sessions: SessionGrpcClient;
  /** Credentials' values, for model aliases that name one. */
  access: AccessGrpcClient;
  models: ModelCatalog;
  /** The executions' record (`sy:executions:*`); without it this executor serves no background executions. */
  redis?: Redis;
  config: ExecutorConfig;
  logger: Logger;
  tracer: Tracer;
  /** The executor's Prometheus registry. */
  metrics: Registry;
  instance: string;
}

export interface Executor {
  /** Serves runs; resolves with the model aliases, described, for the ready event. */
  start(): Promise<{ models: string[] }>;
  /** Stops taking runs and waits (bounded) for the open ones to finish. */
  stop(): Promise<void>;
  activeRuns(): number;
}

/** What the metrics and the kind checks call a definition: a code pipeline is a pipeline. */
const definitionKind = (entry: Pick<CachedDefinition, "kind">) => (entry.kind === "agent" ? "agent" : "pipeline");

/** The run request a nested code pipeline runs under (its deadline is its caller's, through the signal). */
const codeRequest = (name: string): RunRequest => ({
  runId: "nested",
  name,
  inputs: {},
  deadlineMs: runLimits.maxDeadlineMs,
  stream: false,
  hops: 0,
  gatewayLink: "nested",
});

/** NATS caps a message at 1 MiB by default; results past this are refused, not truncated. */
const maxResultBytes = 900 * 1024;

export function createExecutor(deps: ExecutorDeps): Executor {
  const { bus, logger, tracer, config } = deps;
  const { nats, subjects } = bus;
  const link = createExecutorLink(nats, subjects);
  // Model keys are scrubbed from every log line and error from here on; store credentials as they arrive.
  registerModelKeys(deps.models);
  const metrics = createExecutorMetrics(deps.metrics);
  const credentials = createCredentialCache(deps.access, bus, { deadlineMs: config.EXECUTOR_GRPC_DEADLINE_MS, ttlMs: 60_000 });
  const providers = createProviderSet({
    models: deps.models,
    credentials: credentials.get,
    timeoutMs: config.EXECUTOR_PROVIDER_TIMEOUT_MS,
    limits: {
      concurrency: config.EXECUTOR_PROVIDER_CONCURRENCY,
      queue: config.EXECUTOR_PROVIDER_QUEUE,
      queueWaitMs: config.EXECUTOR_PROVIDER_QUEUE_MS,
    },
    // Each call traced (GenAI conventions) inside the run's trace, then counted.
    instrument: (alias, provider) => {
      const target = deps.models.get(alias);
      const model = target?.provider === "openai" ? target.model : "echo";
      return metrics.provider(alias, tracedProvider(tracer, { alias, model, provider: target?.provider ?? "echo" }, provider));
    },
  });
  const tools = createToolCaller(deps.mcp, config.EXECUTOR_TOOL_TIMEOUT_MS);
  /** A run nested through MCP calls back into a gateway calls tools one hop deeper. */
  const toolsFor = (hops: number) => (hops === 0 ? tools : createToolCaller(deps.mcp, config.EXECUTOR_TOOL_TIMEOUT_MS, hops));
  const cache = createDefinitionCache({
    registry: deps.registry,
    modelAliases: deps.models.aliases(),
    ttlMs: config.EXECUTOR_DEFINITION_TTL_MS,
    deadlineMs: config.EXECUTOR_GRPC_DEADLINE_MS,
  });
  const sandbox = createSandboxPool({ limits: sandboxLimitsOf(config), workers: config.SANDBOX_WORKERS });
  const engine: EngineDeps = {
    providers,
    tools,
    definition: (name: string) => cache.get(name),
    onStep: metrics.step,
    // A pipeline component (or an agent's pipeline tool) that names a code pipeline runs it in the sandbox.
    code: (entry, inputs, signal, depth) => runCodeRequest(code, codeRequest(entry.name), entry, inputs, () => {}, signal, depth),
  };
  const sandboxControl = createSandboxControl({ bus, sandbox, redis: deps.redis, instance: deps.instance, logger, tracer });
  const code: CodeDeps = {
    sandbox,
    uploads: createUploadStore(nats, { bucket: subjects.bucket("uploads") }),
    providers,
    tools,
    runPipeline: (name, inputs, signal, depth) => runPipelineAt(engine, name, inputs, signal, depth),
    logger,
    outputBytes: config.SANDBOX_OUTPUT_BYTES,
  };
  /** Open runs (accepted, not yet ended), each with what stops it. */
  const runs = new Map<string, { done: Promise<void>; controller: AbortController }>();
  /** Requests being planned: they hold a slot until they are refused (then at once) or become runs. */
  let planning = 0;
  const subscriptions: { unsubscribe(): void }[] = [];
  let connection: { stop(): void } | undefined;

  const agentDeps = {
    providers,
    tools,
    definition: (name: string) => cache.get(name),
    runPipeline: (name: string, inputs: Record<string, unknown>, signal: AbortSignal) => runPipelineByName(engine, name, inputs, signal),
    memory: createSessionMemory(deps.sessions, config.EXECUTOR_GRPC_DEADLINE_MS),
  };

  /** The life of one run: deadline, cancel, heartbeats, and exactly one `done` or `error` at the end. */
  async function execute(
    request: RunRequest,
    entry: Pick<CachedDefinition, "kind" | "version">,
    controller: AbortController,
    work: (publisher: RunPublisher, signal: AbortSignal) => Promise<DoneBody>,
  ) {
    const publisher = createRunPublisher(link, {
      runId: request.runId,
      gatewayLink: request.gatewayLink,
      flowControl: request.stream,
      signal: controller.signal,
      // No credit for the watchdog time: the gateway is gone (or we are cut off from it); stop reading the provider.
      onStalled: (reason) => controller.abort(reason),
      onCancel: () => controller.abort(new AppError("cancelled", "the run was cancelled by its client")),
    });
    const deadline = setTimeout(
      () => controller.abort(new AppError("timeout", `run exceeded its deadline of ${request.deadlineMs} ms`)),
      request.deadlineMs,
    );
    logger.debug({ runId: request.runId, name: request.name, version: entry.version }, "run started");
    try {
      const done = await metrics.run(request.name, definitionKind(entry), () => work(publisher, controller.signal));
      if (encodeJson(done).byteLength > maxResultBytes) {
        throw new AppError("payload_too_large", `the result is larger than ${maxResultBytes} bytes`);
      }
      await publisher.emit({ type: "done", ...done });
    } catch (error) {
      const appError = scrubbedError(
        controller.signal.aborted && controller.signal.reason instanceof AppError ? controller.signal.reason : toAppError(error),
      );
      if (appError.code === "internal") logger.error({ err: error, runId: request.runId }, "run failed");
      await publisher.emit({ type: "error", error: appError.toWire() });
    } finally {
      clearTimeout(deadline);
      publisher.close();
    }
  }

  /** Checks a request against its definition and returns the run's work, or throws (the caller hears at once). */
  function plan(request: RunRequest, entry: CachedDefinition) {
    if (entry.kind === "agent") {
      const parsed = AgentInputs.safeParse(request.chat ? { message: request.chat.message } : request.inputs);
      if (!parsed.success)
        throw new AppError(
          "invalid_input",
          `agent input: ${parsed.error.issues[0]?.path.join(".") || "input"}: ${parsed.error.issues[0]?.message}`,
        );
      const input = parsed.data;
      const nested = { ...engine, tools: toolsFor(request.hops) };
      const runDeps =
        request.hops === 0
          ? agentDeps
          : {
              ...agentDeps,
              tools: nested.tools,
              runPipeline: (name: string, inputs: Record<string, unknown>, signal: AbortSignal) =>
                runPipelineByName(nested, name, inputs, signal),
            };
      return (publisher: RunPublisher, signal: AbortSignal) => runAgentRequest(runDeps, request, entry, input, publisher, signal);
    }
    if (entry.kind === "code") {
      // A chat turn's inputs are its messages; a run's are checked against what the wrapper declares.
      const inputs = request.chat ? {} : validateInputs(entry.definition, request.inputs);
      const codeDeps = request.hops === 0 ? code : { ...code, tools: toolsFor(request.hops) };
      return (publisher: RunPublisher, signal: AbortSignal) =>
        runCodeRequest(
          codeDeps,
          request,
          entry,
          inputs,
          (text) => (request.stream ? publisher.emit({ type: "delta", component: "wrapper", text }) : undefined),
          signal,
        );
    }
    const chat = request.chat ? planChat(entry.definition, request.chat) : undefined;
    const inputs = validateInputs(entry.definition, chat ? { ...chat.inputs, ...request.inputs } : request.inputs);
    const runEngine = request.hops === 0 ? engine : { ...engine, tools: toolsFor(request.hops) };
    return (publisher: RunPublisher, signal: AbortSignal) =>
      runPipelineRequest(runEngine, request, entry, { inputs, chat }, publisher, signal);
  }

  /**
   * Takes a run request: checks it, then sends `accepted` on the link and runs it; any refusal
   * is thrown scrubbed of secrets and frees its slot at once.
   */
  async function accept(request: RunRequest): Promise<void> {
    // Runs waiting for a provider's queue hold no slot: template-only runs keep being served while provider calls queue.
    if (runs.size + planning - providers.queued() >= config.EXECUTOR_MAX_RUNS) {
      throw new AppError("unavailable", "every executor is at its run limit; try again", { details: { busy: true } });
    }
    if (runs.has(request.runId)) throw new AppError("conflict", `run '${request.runId}' is already running`);
    planning += 1;
    let work: ReturnType<typeof plan>;
    let found: CachedDefinition;
    try {
      const entry = await cache.get(request.name);
      if (request.kind && definitionKind(entry) !== request.kind) throw new AppError("not_found", `no ${request.kind} '${request.name}'`);
      work = plan(request, entry);
      found = entry;
    } catch (error) {
      throw scrubbedError(error);
    } finally {
      planning -= 1;
    }
    if (runs.has(request.runId)) throw new AppError("conflict", `run '${request.runId}' is already running`);
    // The reply goes first, ahead of every event; the run continues under this request's trace context.
    link.accept(request.gatewayLink, request.runId, { type: "accepted", executor: deps.instance, link: link.id });
    const controller = new AbortController();
    const done = execute(request, found, controller, work).finally(() => runs.delete(request.runId));
    runs.set(request.runId, { done, controller });
  }

  /** A background job as the run request its synchronous twin would send (streamed, so its text becomes events). */
  const jobRequest = (job: ExecutionJob): RunRequest => ({
    runId: job.id,
    name: job.name,
    inputs: job.inputs,
    deadlineMs: job.deadlineMs,
    stream: true,
    kind: job.kind,
    hops: 0,
    gatewayLink: link.id,
    ...(job.conversation ? { conversation: job.conversation } : {}),
  });
  const planJob = async (job: ExecutionJob) => {
    const entry = await cache.get(job.name);
    if (definitionKind(entry) !== job.kind) throw new AppError("not_found", `no ${job.kind} '${job.name}'`);
    return plan(jobRequest(job), entry);
  };
  const executions =
    deps.redis &&
    createExecutionsService({
      bus,
      redis: deps.redis,
      logger,
      tracer,
      instance: deps.instance,
      check: async (job) => {
        await planJob(job);
      },
      run: async (job, publisher, signal) => {
        const work = await planJob(job);
        return metrics.run(job.name, job.kind, () => work(publisher, signal));
      },
      onRedelivery: metrics.redelivered,
      callbacks: config.EXECUTIONS_CALLBACK_SECRET
        ? createCallbackSender(
            createOutboundGuard({
              allow: config.EXECUTIONS_CALLBACK_ALLOW.split(","),
              allowSetting: "EXECUTIONS_CALLBACK_ALLOW",
            }),
            config.EXECUTIONS_CALLBACK_SECRET,
            logger,
          )
        : undefined,
      settings: {
        concurrency: config.EXECUTIONS_CONCURRENCY,
        maxJobs: config.EXECUTIONS_QUEUE_MAX,
        maxBytes: config.EXECUTIONS_QUEUE_MAX_BYTES,
        ackWaitMs: config.EXECUTIONS_ACK_WAIT_MS,
        maxAttempts: config.EXECUTIONS_MAX_ATTEMPTS,
        backoffMs: config.EXECUTIONS_BACKOFF_MS,
        deadlineMs: config.EXECUTIONS_DEADLINE_MS,
        retentionMs: config.EXECUTIONS_RETENTION_S * 1000,
        maxRecords: config.EXECUTIONS_MAX_RECORDS,
        maxResultBytes,
        limits: config.EXECUTIONS_DEFINITION_CONCURRENCY,
      },
    });
  if (executions) metrics.watchQueue(() => executions.queueState());

  return {
    activeRuns: () => runs.size,
    async start() {
      connection = watchConnection(nats, {
        timeoutMs: runLimits.heartbeatTimeoutMs,
        probeMs: runLimits.heartbeatMs / 2,
        active: () => runs.size > 0,
        onLost: (reason) => {
          logger.warn({ runs: runs.size }, reason.message);
          for (const run of runs.values()) run.controller.abort(reason);
        },
      });
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
        serveRunRequests({ bus, link, logger, tracer, accept }),
        serve(bus, endpoints.execPing, async () => ({ service: "executor", instance: deps.instance }), { logger, tracer }),
        sandboxControl.serve(),
      );
      await sandboxControl.restore();
      await executions?.start();
      await nats.flush();
      return { models: deps.models.aliases().map((alias) => deps.models.describe(alias)) };
    },
    async stop() {
      for (const subscription of subscriptions) subscription.unsubscribe();
      await executions?.stop();
      connection?.stop();
      const open = [...runs.values()].map((run) => run.done);
      await Promise.race([Promise.allSettled(open), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      link.close();
      credentials.close();
      await sandbox.close();
    },
  };
}
