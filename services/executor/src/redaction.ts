import type { ModelCatalog } from "@switchyard/config";
import { AppError, toAppError } from "@switchyard/errors";
import { redactValues, scrubSecrets } from "@switchyard/telemetry";

/**
 * Registers every model key the catalog holds (OPENAI_API_KEY for `default`, and each alias's
 * `api_key_env` variable) as a secret: scrubbed from every log line and every error from now on.
 * Keys from the credential store are registered as they arrive (`credentials.ts`).
 */
export function registerModelKeys(models: ModelCatalog): void {
  redactValues(
    models.aliases().map((alias) => {
      const target = models.get(alias);
      return target?.provider === "openai" ? target.apiKey : undefined;
    }),
  );
}

/** Every string in a value with the registered secrets replaced (details may carry transcripts and tool results); the same value when none occurred. */
function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return scrubSecrets(value);
  if (depth > 32 || typeof value !== "object" || value === null) return value;
  let changed = false;
  const scrub = (entry: unknown) => {
    const scrubbed = scrubValue(entry, depth + 1);
    if (scrubbed !== entry) changed = true;
    return scrubbed;
  };
  const copy = Array.isArray(value)
    ? value.map(scrub)
    : Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, scrub(entry)]));
  return changed ? copy : value;
}

/**
 * The error as it may leave this process: message, param and details without any registered
 * secret value. The same error when nothing had to change (the common case: one scan of the message).
 */
export function scrubbedError(error: unknown): AppError {
  const appError = toAppError(error);
  const message = scrubSecrets(appError.message);
  const param = appError.param === undefined ? undefined : scrubSecrets(appError.param);
  const details = scrubValue(appError.details);
  if (message === appError.message && param === appError.param && details === appError.details) return appError;
  return new AppError(appError.code, message, {
    param,
    details: isRecord(details) ? details : undefined,
    retryable: appError.retryable,
    cause: appError,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
