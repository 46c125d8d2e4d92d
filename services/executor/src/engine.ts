import { definitionLimits } from "@switchyard/contracts";
import { parseReference, validateInputs } from "@switchyard/definitions";
import { AppError, toAppError } from "@switchyard/errors";
import { type ComponentOutputs, type ComponentResult, runComponent, type ToolCaller } from "./components/index.ts";
import type { CachedDefinition, CachedPipeline } from "./definitions-cache.ts";
import type { ProviderSet, ToolCallDelta } from "./providers/index.ts";

export interface EngineDeps {
  providers: ProviderSet;
  tools: ToolCaller;
  /** Looks a deployed pipeline up (cached). */
  definition(name: string): Promise<CachedDefinition>;
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
  chatTools?: { component: string; tools?: Record<string, unknown>[] | undefined; toolChoice?: unknown };
  depth?: number;
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
    if (parsed.kind === "input") return inputs[parsed.name];
    const outputs = finished.get(parsed.component);
    if (!outputs) throw new AppError("internal", `component '${parsed.component}' has not run`);
    if (!(parsed.output in outputs)) {
      throw new AppError("invalid_input", `component '${parsed.component}' has no output '${parsed.output}'`);
    }
    return outputs[parsed.output];
  };

  const start = (name: string): Promise<ComponentOutputs> => {
    const existing = results.get(name);
    if (existing) return existing;
    const component = definition.components[name];
    if (!component) throw new AppError("internal", `unknown component '${name}'`);
    const promise = (async () => {
      await Promise.all((graph.dependencies[name] ?? []).map(start));
      controller.signal.throwIfAborted();
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
          runPipeline: (child, childInputs) => runChild(deps, child, childInputs, controller.signal, depth + 1),
        });
        finished.set(name, result.outputs);
        view[name] = result.outputs;
        options.onComponentDone?.(name, result);
        return result.outputs;
      } catch (error) {
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
export function runPipelineByName(
  deps: EngineDeps,
  name: string,
  inputs: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  return runChild(deps, name, inputs, signal, 1);
}

async function runChild(
  deps: EngineDeps,
  name: string,
  inputs: Record<string, unknown>,
  signal: AbortSignal,
  depth: number,
): Promise<Record<string, unknown>> {
  if (depth > definitionLimits.nesting) throw new AppError("invalid_request", `pipelines nest deeper than ${definitionLimits.nesting}`);
  const entry = await deps.definition(name).catch((error: unknown) => {
    const appError = toAppError(error);
    // The caller exists; what is missing is the pipeline it calls, a problem of its definition.
    if (appError.code === "not_found") throw new AppError("invalid_definition", `calls the pipeline '${name}', which is not deployed`);
    throw appError;
  });
  if (entry.kind !== "pipeline") throw new AppError("invalid_definition", `calls '${name}', which is an agent, not a pipeline`);
  return runPipeline(deps, entry, validateInputs(entry.definition, inputs), { signal, onDelta: () => {}, depth });
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
