import { toAppError } from "@switchyard/errors";
import { boundedLabel, Counter, Gauge, Histogram, otherLabel, type Registry, secondsBuckets } from "@switchyard/telemetry";
import type { ChatProvider } from "./providers/index.ts";

/** Definition names, and pipeline steps, kept as label values; past these, `other`. */
const maxDefinitionLabels = 1000;
const maxStepLabels = 5000;

export type StepStatus = "completed" | "failed";

export interface ExecutorMetrics {
  /** A provider whose every call is counted: calls by outcome, time to first token, tokens in and out. */
  provider(alias: string, provider: ChatProvider): ChatProvider;
  /** Counts one run (synchronous or background) of a deployed definition by outcome, with its duration. */
  run<T>(name: string, kind: "pipeline" | "agent", work: () => Promise<T>): Promise<T>;
  /** A pipeline's component finished (AgentSpec's `agentspec_pipeline_steps_total`). */
  step(pipeline: string, step: string, status: StepStatus): void;
  /** A background job was delivered again. */
  redelivered(): void;
  /** Reads the background queue's depth at each scrape. */
  watchQueue(state: () => Promise<{ waiting: number; inProgress: number }>): void;
}

/**
 * The executor's metrics. Every label is bounded: model aliases come from the configuration, names from the
 * registry (a run is counted only once its definition was found), and at most 1,000 names and 5,000 steps are kept.
 */
export function createExecutorMetrics(registry: Registry): ExecutorMetrics {
  const names = boundedLabel(maxDefinitionLabels);
  const steps = boundedLabel(maxStepLabels);
  const stepCounters = new Map<string, { inc(): void }>();
  const inFlight = new Gauge({
    name: "switchyard_executor_runs_in_flight",
    help: "Runs this executor has open (synchronous and background).",
    registers: [registry],
  });
  const runs = new Counter({
    name: "switchyard_runs_total",
    help: "Runs by pipeline or agent, kind and outcome (success, or the error code).",
    labelNames: ["name", "kind", "outcome"],
    registers: [registry],
  });
  const runSeconds = new Histogram({
    name: "switchyard_run_duration_seconds",
    help: "Run duration in seconds, by kind and outcome.",
    labelNames: ["kind", "outcome"],
    buckets: secondsBuckets,
    registers: [registry],
  });
  const modelCalls = new Counter({
    name: "switchyard_model_calls_total",
    help: "Model calls by model alias and outcome (success, or the error code).",
    labelNames: ["model", "outcome"],
    registers: [registry],
  });
  const firstToken = new Histogram({
    name: "switchyard_model_time_to_first_token_seconds",
    help: "Seconds from a model call to its first text or tool-call piece.",
    labelNames: ["model"],
    buckets: secondsBuckets,
    registers: [registry],
  });
  const tokens = new Counter({
    name: "switchyard_model_tokens_total",
    help: "Tokens by model alias and direction (input, output), as the provider reported them.",
    labelNames: ["model", "direction"],
    registers: [registry],
  });
  const pipelineSteps = new Counter({
    name: "agentspec_pipeline_steps_total",
    help: "AgentSpec: pipeline steps (components) executed, by pipeline, step and status.",
    labelNames: ["pipeline", "step", "status"],
    registers: [registry],
  });

  const redeliveries = new Counter({
    name: "switchyard_executions_redeliveries_total",
    help: "Background jobs this executor received again (an executor went silent past the ack wait, or the job was sent back).",
    registers: [registry],
  });
  let queueState: (() => Promise<{ waiting: number; inProgress: number }>) | undefined;
  // Read from JetStream at each scrape, so every executor reports the one shared queue.
  new Gauge({
    name: "switchyard_executions_queue_depth",
    help: "Background jobs in the shared queue, waiting for an executor or in progress (delivered, not yet acked).",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      if (!queueState) return;
      try {
        const state = await queueState();
        this.set({ state: "waiting" }, state.waiting);
        this.set({ state: "in_progress" }, state.inProgress);
      } catch {
        // JetStream out of reach: the last values stay.
      }
    },
  });

  const outcomeOf = (error: unknown) => toAppError(error).code;

  return {
    provider(alias, provider) {
      return {
        async *stream(request, signal) {
          const started = performance.now();
          let first = true;
          let settled = false;
          try {
            for await (const chunk of provider.stream(request, signal)) {
              if (first && (chunk.type === "text" || chunk.type === "tool_call")) {
                first = false;
                firstToken.observe({ model: alias }, (performance.now() - started) / 1000);
              }
              if (chunk.type === "usage") {
                tokens.inc({ model: alias, direction: "input" }, chunk.usage.prompt_tokens);
                tokens.inc({ model: alias, direction: "output" }, chunk.usage.completion_tokens);
              }
              yield chunk;
            }
            settled = true;
            modelCalls.inc({ model: alias, outcome: "success" });
          } catch (error) {
            settled = true;
            modelCalls.inc({ model: alias, outcome: outcomeOf(error) });
            throw error;
          } finally {
            // The caller stopped reading (its run ended another way): the call was cut short.
            if (!settled) modelCalls.inc({ model: alias, outcome: "cancelled" });
          }
        },
      };
    },
    async run(name, kind, work) {
      const started = performance.now();
      inFlight.inc();
      const record = (outcome: string) => {
        inFlight.dec();
        runs.inc({ name: names.admit(name), kind, outcome });
        runSeconds.observe({ kind, outcome }, (performance.now() - started) / 1000);
      };
      try {
        const result = await work();
        record("success");
        return result;
      } catch (error) {
        record(outcomeOf(error));
        throw error;
      }
    },
    redelivered: () => redeliveries.inc(),
    watchQueue(state) {
      queueState = state;
    },
    step(pipeline, step, status) {
      const key = `${pipeline}\u0000${step}`;
      const pair = steps.admit(key);
      const series = pair === otherLabel ? `${otherLabel}\u0000${status}` : `${key}\u0000${status}`;
      // A pipeline of many components counts a step per component per run: its series' counters
      // are looked up once (bounded like the labels: at most the admitted steps, twice), not hashed per step.
      let counter = stepCounters.get(series);
      if (!counter) {
        const labels = pair === otherLabel ? { pipeline: otherLabel, step: otherLabel } : { pipeline, step };
        counter = pipelineSteps.labels({ ...labels, status });
        stepCounters.set(series, counter);
      }
      counter.inc();
    },
  };
}
