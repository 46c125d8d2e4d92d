import type { DefinitionChanged } from "@switchyard/contracts";
import {
  type AgentDefinition,
  analyzePipeline,
  type CodeDefinition,
  checkAgent,
  type PipelineDefinition,
  type PipelineGraph,
  parseDefinitionDocument,
} from "@switchyard/definitions";
import type { RegistryGrpcClient } from "@switchyard/grpc";

export interface CachedPipeline {
  kind: "pipeline";
  name: string;
  version: number;
  definition: PipelineDefinition;
  graph: PipelineGraph;
}

export interface CachedAgent {
  kind: "agent";
  name: string;
  version: number;
  definition: AgentDefinition;
}

/** A code pipeline: its compiled wrapper, run in the sandbox (warm sandboxes are kept per `name@version`). */
export interface CachedCode {
  kind: "code";
  name: string;
  version: number;
  definition: CodeDefinition;
}

export type CachedDefinition = CachedPipeline | CachedAgent | CachedCode;

export interface DefinitionCacheOptions {
  registry: RegistryGrpcClient;
  modelAliases: readonly string[];
  ttlMs: number;
  deadlineMs: number;
  /** Entries kept at most; the oldest is dropped past it. */
  maxEntries?: number;
}

export interface DefinitionCache {
  get(name: string): Promise<CachedDefinition>;
  /** Applies a change event from the registry. */
  invalidate(event: DefinitionChanged): void;
  clear(): void;
}

/**
 * Definitions fetched over gRPC, parsed and analysed once per version. A change event drops
 * the entry; a fetch that was in flight when the event arrived is not cached, so a stale
 * version can never be stored after its invalidation.
 */
export function createDefinitionCache(options: DefinitionCacheOptions): DefinitionCache {
  const maxEntries = options.maxEntries ?? 1000;
  const entries = new Map<string, { value: Promise<CachedDefinition>; expires: number }>();
  const generations = new Map<string, number>();
  let globalGeneration = 0;

  const generationOf = (name: string) => `${globalGeneration}:${generations.get(name) ?? 0}`;

  async function fetch(name: string): Promise<CachedDefinition> {
    const response = await options.registry.getDefinition(name, { deadlineMs: options.deadlineMs });
    const parsed = parseDefinitionDocument(response.definition, response.kind);
    if (parsed.kind === "code") return { kind: "code", name, version: response.version, definition: parsed.definition };
    if (parsed.kind === "agent") {
      checkAgent(parsed.definition, options.modelAliases);
      return { kind: "agent", name, version: response.version, definition: parsed.definition };
    }
    const graph = analyzePipeline(parsed.definition, { modelAliases: options.modelAliases });
    return { kind: "pipeline", name, version: response.version, definition: parsed.definition, graph };
  }

  return {
    get(name) {
      const now = Date.now();
      const cached = entries.get(name);
      if (cached && cached.expires > now) return cached.value;
      const generation = generationOf(name);
      const value = fetch(name);
      entries.set(name, { value, expires: now + options.ttlMs });
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      value.then(
        () => {
          if (generationOf(name) !== generation && entries.get(name)?.value === value) entries.delete(name);
        },
        () => {
          if (entries.get(name)?.value === value) entries.delete(name);
        },
      );
      return value;
    },
    invalidate(event) {
      generations.set(event.name, (generations.get(event.name) ?? 0) + 1);
      entries.delete(event.name);
    },
    clear() {
      globalGeneration += 1;
      entries.clear();
    },
  };
}
