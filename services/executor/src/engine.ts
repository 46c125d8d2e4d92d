import { setImmediate as nextTurn } from "node:timers/promises";
import { definitionLimits } from "@switchyard/contracts";
import { expansionLimits, measurePipeline, own, type PipelineDefinition, parseReference, validateInputs } from "@switchyard/definitions";
import { AppError, toAppError } from "@switchyard/errors";
import { type ComponentOutputs, type ComponentResult, runComponent, type ToolCaller } from "./components/index.ts";
import type { ChatTurn } from "./components/types.ts";
import type { CachedCode, CachedDefinition, CachedPipeline } from "./definitions-cache.ts";
import type { ProviderSet, ToolCallDelta } from "./providers/index.ts";

export interface EngineDeps {
  providers: ProviderSet;
  tools: ToolCaller;
  /** Looks a deployed pipeline up (cached). */
  definition(name: string): Promise<CachedDefinition>;
  /** Each component of any pipeline (nested ones too), once it completed or failed. */
  onStep?(pipeline: string, step: string, status: "completed" | "failed"): void;
  /** Runs a code pipeline a component (or a wrapper) calls, at that depth; its outputs are `{result}`. */
  code?(
    entry: CachedCode,
    inputs: Record<string, unknown>,
    signal: AbortSignal,
    depth: number,
  ): Promise<{ outputs: Record<string, unknown> }>;
}

export interface RunOptions {
  signal: AbortSignal;
  /** Text produced by a component of the top-level pipeline, as it streams; the component waits for it. */
  onDelta(component: string, text: string): void | Promise<void>;
  onToolCall?(component: string, delta: ToolCallDelta): void | Promise<void>;
  /** Each component of the top-level pipeline, once it finished. */
  onComponentDone?(name: string, result: ComponentResult): void;
  /** Components whose pieces are forwarded as they come; the others may be answered whole. */
  streams?(component: string): boolean;
  /** The component answering a chat turn gets the request's tools. */
  chatTools?: ChatTurn & { component: string };
  depth?: number;
  /** What the whole run shares (sub-pipelines included); made by the top-level call. */
  shared?: RunShared;
}

/** One run's pacing: components started so far, and the turn of the event loop the next one waits for. */
export interface RunShared {
  components: number;
  turn: Promise<void>;
}

const newRun = (): RunShared => ({ components: 0, turn: Promise.resolve() });

/**
 * Components start one per turn of the event loop, however many are ready at once: each
 * waits for the turn after the previous one's, so between two (bounded) synchronous steps
 * the deadline's timer and a cancel message always get in.
 */
function nextTurnOf(run: RunShared): Promise<void> {
  const turn = run.turn.then(() => nextTurn()).then(() => {});
  run.turn = turn;
  return turn;
}

/**
 * Runs a pipeline's component graph: each component starts as soon as the components it
 * references are done, so independent branches run concurrently. The first failure aborts
 * the rest and is reported with the component's name.
 */
export async function runPipeline(
  deps: EngineDeps,
  entry: CachedPipeline,
  inputs: Record<string, unknown>,
  options: RunOptions,
): Promise<Record<string, unknown>> {
  const { definition, graph } = entry;
  const depth = options.depth ?? 0;
  // A top-level run measures what it expands to first (definitions deployed before the
  // registry checked this, or whose sub-pipelines grew since, are refused here).
  if (depth === 0) await checkExpansion(deps, definition);
  const run = options.shared ?? newRun();
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal.reason);
  options.signal.addEventListener("abort", onAbort, { once: true });
  if (options.signal.aborted) onAbort();

  // What templates see: inputs and finished components by name. References read `finished`.
  const view: Record<string, unknown> = { ...inputs };
  const finished = new Map<string, ComponentOutputs>();
  const results = new Map<string, Promise<ComponentOutputs>>();
  const resolve = (reference: string): unknown => {
    const parsed = parseReference(reference);
    if (!parsed) throw new AppError("internal", `bad reference '${reference}'`);
    if (parsed.kind === "input") return own(inputs, parsed.name);
    const outputs = finished.get(parsed.component);
    if (!outputs) throw new AppError("internal", `component '${parsed.component}' has not run`);
    if (!Object.hasOwn(outputs, parsed.output)) {
      throw new AppError("invalid_input", `component '${parsed.component}' has no output '${parsed.output}'`);
    }
    return outputs[parsed.output];
  };

  const start = (name: string): Promise<ComponentOutputs> => {
    const existing = results.get(name);
    if (existing) return existing;
    const component = own(definition.components, name);
    if (!component) throw new AppError("internal", `unknown component '${name}'`);
    const promise = (async () => {
      await Promise.all((own(graph.dependencies, name) ?? []).map(start));
      await nextTurnOf(run);
      controller.signal.throwIfAborted();
      run.components += 1;
      if (run.components > expansionLimits.componentRuns) {
        throw new AppError(
          "invalid_definition",
          `the run started more than ${expansionLimits.componentRuns} components (counting those of the pipelines it calls)`,
        );
      }
      try {
        const result = await runComponent(component, {
          name,
          signal: controller.signal,
          view,
          resolve,
          streaming: options.streams?.(name) ?? false,
          emit: async (text) => options.onDelta(name, text),
          emitToolCall: async (delta) => options.onToolCall?.(name, delta),
          chatTools: options.chatTools?.component === name ? options.chatTools : undefined,
          providers: deps.providers,
          tools: deps.tools,
          runPipeline: (child, childInputs) => runChild(deps, child, childInputs, controller.signal, depth + 1, run),
        });
        finished.set(name, result.outputs);
        view[name] = result.outputs;
        options.onComponentDone?.(name, result);
        deps.onStep?.(definition.name, name, "completed");
        return result.outputs;
      } catch (error) {
        // One that a sibling's failure stopped did not fail on its own.
        if (!controller.signal.aborted) deps.onStep?.(definition.name, name, "failed");
        throw componentError(name, error, controller.signal);
      }
    })();
    results.set(name, promise);
    return promise;
  };

  try {
    const all = graph.order.map(start);
    for (const promise of all) promise.catch(() => controller.abort(new AppError("cancelled", "a sibling component failed")));
    await Promise.all(all);
  } finally {
    options.signal.removeEventListener("abort", onAbort);
  }
  const outputs: Record<string, unknown> = {};
  for (const [name, reference] of Object.entries(definition.outputs)) outputs[name] = resolve(reference);
  return outputs;
}

/** Runs a deployed pipeline by name to completion (agents use pipelines as tools this way). */
export async function runPipelineByName(
  deps: EngineDeps,
  name: string,
  inputs: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const entry = await deps.definition(name).catch(() => undefined);
  if (entry?.kind === "pipeline") await checkExpansion(deps, entry.definition);
  return runChild(deps, name, inputs, signal, 1, newRun());
}

/** Runs a deployed pipeline by name at a nesting depth (a code pipeline's `ctx.pipelines.run`). */
export async function runPipelineAt(
  deps: EngineDeps,
  name: string,
  inputs: Record<string, unknown>,
  signal: AbortSignal,
  depth: number,
): Promise<Record<string, unknown>> {
  const entry = await deps.definition(name).catch(() => undefined);
  if (entry?.kind === "pipeline") await checkExpansion(deps, entry.definition);
  return runChild(deps, name, inputs, signal, depth, newRun());
}

/** Refuses a pipeline whose run would expand past `expansionLimits` (or nest too deep, or loop), before anything runs. */
async function checkExpansion(deps: EngineDeps, definition: PipelineDefinition): Promise<void> {
  await measurePipeline(definition, async (name) => {
    try {
      const entry = await deps.definition(name);
      return entry.kind === "pipeline" ? entry.definition : undefined;
    } catch (error) {
      // Not deployed: the run fails when it gets there, with that message.
      if (toAppError(error).code === "not_found") return undefined;
      throw error;
    }
  });
}

async function runChild(
  deps: EngineDeps,
  name: string,
  inputs: Record<string, unknown>,
  signal: AbortSignal,
  depth: number,
  run: RunShared,
): Promise<Record<string, unknown>> {
  if (depth > definitionLimits.nesting) throw new AppError("invalid_request", `pipelines nest deeper than ${definitionLimits.nesting}`);
  const entry = await deps.definition(name).catch((error: unknown) => {
    const appError = toAppError(error);
    // The caller exists; what is missing is the pipeline it calls, a problem of its definition.
    if (appError.code === "not_found") throw new AppError("invalid_definition", `calls the pipeline '${name}', which is not deployed`);
    throw appError;
  });
  if (entry.kind === "code") {
    if (!deps.code) throw new AppError("not_implemented", `calls the code pipeline '${name}', which cannot run here`);
    return (await deps.code(entry, validateInputs(entry.definition, inputs), signal, depth)).outputs;
  }
  if (entry.kind !== "pipeline") throw new AppError("invalid_definition", `calls '${name}', which is an agent, not a pipeline`);
  return runPipeline(deps, entry, validateInputs(entry.definition, inputs), { signal, onDelta: () => {}, depth, shared: run });
}

/** Failures keep their code and gain the component's name; an abort reports why it happened. */
function componentError(name: string, error: unknown, signal: AbortSignal): AppError {
  if (signal.aborted && signal.reason instanceof AppError) return signal.reason;
  const appError = toAppError(error);
  if (appError.code === "internal" && !(error instanceof AppError)) {
    const detail = error instanceof Error ? error.message : String(error);
    return new AppError("internal", `component '${name}' failed: ${detail}`, { cause: error });
  }
  return new AppError(appError.code, `component '${name}': ${appError.message}`, {
    param: appError.param,
    details: appError.details,
    cause: error,
  });
}
