import type { DefinitionRecord, DeployRequest } from "@switchyard/contracts";
import { analyzePipeline, inputsJsonSchema, type PipelineDefinition, parsePipelineSource } from "@switchyard/definitions";
import { AppError } from "@switchyard/errors";
import type { DefinitionStore, NewRecord } from "./store.ts";

/** How deep pipeline components may nest; deeper chains are refused as likely cycles. */
const maxNesting = 8;

/** Parses and validates a deploy request into a record ready to store. */
export async function prepareDefinition(
  request: DeployRequest,
  store: DefinitionStore,
  modelAliases: readonly string[],
): Promise<NewRecord> {
  const definition = parsePipelineSource(request.source, request.name);
  analyzePipeline(definition, { modelAliases });
  await checkPipelineCalls(definition, store);
  return {
    name: definition.name,
    kind: "pipeline",
    chat: definition.chat !== undefined,
    skipMcp: definition.skip_mcp,
    inputSchema: inputsJsonSchema(definition),
    description: request.description ?? definition.description,
    definition: { ...definition, description: request.description ?? definition.description },
    source: request.source,
    ...(request.files ? { files: request.files } : {}),
  };
}

/**
 * Follows `pipeline` components through the deployed pipelines they call, refusing a
 * chain that leads back to this pipeline. Pipelines not deployed yet are allowed: they
 * are resolved when the run happens.
 */
async function checkPipelineCalls(definition: PipelineDefinition, store: DefinitionStore): Promise<void> {
  const visit = async (current: PipelineDefinition, path: string[]): Promise<void> => {
    if (path.length > maxNesting) {
      throw new AppError("invalid_definition", `invalid definition: pipelines nest deeper than ${maxNesting}: ${path.join(" -> ")}`);
    }
    for (const component of Object.values(current.components)) {
      if (component.type !== "pipeline") continue;
      if (component.pipeline === definition.name) {
        throw new AppError("invalid_definition", `invalid definition: cycle: ${[...path, definition.name].join(" -> ")}`);
      }
      const called = await store.get(component.pipeline);
      if (called) await visit(pipelineOf(called), [...path, called.name]);
    }
  };
  await visit(definition, [definition.name]);
}

function pipelineOf(record: DefinitionRecord): PipelineDefinition {
  return parsePipelineSource(JSON.stringify(record.definition));
}
