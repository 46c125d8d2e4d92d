import { readdir, readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import type { DefinitionRecord, DeployRequest } from "@switchyard/contracts";
import { type AppError, toAppError } from "@switchyard/errors";
import type { Logger } from "@switchyard/telemetry";

const definitionExtensions = new Set([".yaml", ".yml", ".json"]);

/**
 * Deploys every definition file in a folder with overwrite (an unchanged source is a
 * no-op in the registry). Files that call each other may come in any order, so failures
 * are retried until a pass makes no progress; what still fails is logged, not fatal.
 */
export async function deployDirectory(
  directory: string,
  deploy: (request: DeployRequest) => Promise<DefinitionRecord>,
  logger: Logger,
): Promise<string[]> {
  const files = (await readdir(directory)).filter((file) => definitionExtensions.has(extname(file))).sort();
  const deployed: string[] = [];
  let pending = files;
  while (pending.length > 0) {
    const errors = new Map<string, AppError>();
    for (const file of pending) {
      try {
        const record = await deploy({ source: await readFile(join(directory, file), "utf8"), overwrite: true });
        deployed.push(record.name);
      } catch (error) {
        errors.set(file, toAppError(error));
      }
    }
    if (errors.size === pending.length) {
      for (const [file, error] of errors) logger.error({ file, error: error.message }, "definition file not deployed");
      break;
    }
    pending = [...errors.keys()];
  }
  return deployed;
}
