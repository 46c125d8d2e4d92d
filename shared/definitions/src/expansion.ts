import { definitionLimits } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { PipelineDefinition } from "./schema.ts";

/**
 * Bound on the work one top-level run may expand to: the components it runs, where a
 * `pipeline` component counts as every component of the pipeline it calls, recursively.
 * Checked at deploy (the registry) and before a run (the executor).
 */
export const expansionLimits = { componentRuns: 10_000 } as const;

/** The deployed pipeline of that name, or `undefined` when none is (not deployed yet, or an agent). */
export type PipelineLookup = (name: string) => Promise<PipelineDefinition | undefined>;

export interface Expansion {
  /** Components one run of the pipeline runs, through the pipelines it calls. */
  componentRuns: number;
  /** The longest chain of pipelines calling each other, starting with this one. */
  chain: string[];
}

export interface ExpansionOptions {
  /** Called before each lookup; may throw (a deadline). */
  checkpoint?(): void;
  limit?: number;
}

/**
 * Walks the pipelines a definition calls through deployed `pipeline` components, looking
 * each name up once (memoised, so the walk is linear in the pipelines reached, however
 * often they are called). Refuses with `invalid_definition` a chain back to a pipeline on
 * the way (a cycle), nesting past `definitionLimits.nesting`, and a run expanding past
 * `expansionLimits.componentRuns` components, counted as the executor counts them: every
 * component started, a `pipeline` component and each of its callee's. A pipeline not
 * deployed counts as its one component: it is resolved when the run gets there.
 */
export async function measurePipeline(
  root: PipelineDefinition,
  lookup: PipelineLookup,
  options: ExpansionOptions = {},
): Promise<Expansion> {
  const limit = options.limit ?? expansionLimits.componentRuns;
  const memo = new Map<string, Expansion>();
  const visiting = new Set<string>([root.name]);

  const visit = async (definition: PipelineDefinition, path: string[]): Promise<Expansion> => {
    if (path.length > definitionLimits.nesting) tooDeep(path);
    let componentRuns = 0;
    let longest: string[] = [];
    for (const component of Object.values(definition.components)) {
      if (component.type !== "pipeline") {
        componentRuns += 1;
        continue;
      }
      const callee = component.pipeline;
      if (visiting.has(callee)) fail(`cycle: ${[...path, callee].join(" -> ")}`, "components");
      let called = memo.get(callee);
      if (!called) {
        options.checkpoint?.();
        const found = await lookup(callee);
        if (found) {
          visiting.add(callee);
          called = await visit(found, [...path, callee]);
          visiting.delete(callee);
        } else {
          called = { componentRuns: 0, chain: [] };
        }
        memo.set(callee, called);
      }
      if (path.length + called.chain.length > definitionLimits.nesting) tooDeep([...path, ...called.chain]);
      // The pipeline component is a run of its own, then its callee's: the executor counts both the same way.
      componentRuns += 1 + called.componentRuns;
      if (called.chain.length > longest.length) longest = called.chain;
    }
    return { componentRuns, chain: [definition.name, ...longest] };
  };

  const expansion = await visit(root, [root.name]);
  if (expansion.componentRuns > limit) {
    fail(
      `a run of '${root.name}' would run ${expansion.componentRuns.toLocaleString("en-US")} components (counting those of the ` +
        `pipelines it calls), past the limit of ${limit.toLocaleString("en-US")}`,
      "components",
      { componentRuns: expansion.componentRuns, limit },
    );
  }
  return expansion;
}

function tooDeep(path: string[]): never {
  const shown = path.slice(0, definitionLimits.nesting + 1);
  fail(`pipelines nest deeper than ${definitionLimits.nesting}: ${shown.join(" -> ")}`, "components");
}

function fail(message: string, param: string, details?: Record<string, unknown>): never {
  throw new AppError("invalid_definition", `invalid definition: ${message}`, { param, ...(details ? { details } : {}) });
}
