import type { DeployRequest } from "@switchyard/contracts";
import { CodeDefinition, InputSpec, inputsJsonSchema } from "@switchyard/definitions";
import { AppError } from "@switchyard/errors";
import { type SandboxPool, withSourcePositions } from "@switchyard/sandbox";
import { compileWrapper } from "@switchyard/sandbox/compile";
import { z } from "zod";
import type { NewRecord } from "./store.ts";

const DeclaredInputs = z.record(z.string(), InputSpec);

/**
 * A code pipeline from a deploy: the wrapper (`request.entry`, its text in `source`) and the
 * modules among `files`, compiled by esbuild, then loaded once in a fresh sandbox to read what it
 * declares (`inputs`, `description`) and exports (`runApi`, `runChatCompletion`, `setup`).
 * A compile error names file and line; nothing is stored unless it loads and exports a run function.
 */
export async function prepareCode(request: DeployRequest & { entry: string }, sandbox: SandboxPool): Promise<NewRecord> {
  if (!request.name) throw new AppError("invalid_definition", "a code pipeline needs a name", { param: "name" });
  const files = { ...request.files, [request.entry]: request.source };
  const { bundle, sourceMap } = await compileWrapper(files, request.entry);
  const described = await sandbox.describe(bundle).catch((error: unknown) => {
    const message = withSourcePositions(error instanceof Error ? error.message : String(error), sourceMap);
    throw new AppError("invalid_definition", `the wrapper does not load: ${message}`, { param: request.entry, cause: error });
  });
  if (!described.functions.runApi && !described.functions.runChatCompletion) {
    throw new AppError("invalid_definition", `${request.entry} exports neither runApi() nor runChatCompletion()`, { param: request.entry });
  }
  const inputs = DeclaredInputs.safeParse(described.inputs);
  if (!inputs.success) {
    const issue = inputs.error.issues[0];
    throw new AppError("invalid_definition", `the wrapper's inputs: ${issue?.path.join(".") || "inputs"}: ${issue?.message}`, {
      param: "inputs",
    });
  }
  const description = request.description ?? described.description;
  const definition = CodeDefinition.parse({
    kind: "code",
    name: request.name,
    description,
    inputs: inputs.data,
    code: { entry: request.entry, bundle, ...(sourceMap ? { source_map: sourceMap } : {}), functions: described.functions },
  });
  return {
    name: definition.name,
    kind: "pipeline",
    chat: described.functions.runChatCompletion,
    skipMcp: false,
    inputSchema: inputsJsonSchema(definition),
    description,
    definition,
    source: request.source,
    files,
  };
}
