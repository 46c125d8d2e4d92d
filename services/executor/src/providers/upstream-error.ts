import { parseJsonOrUndefined } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { minSecretLength, redactedMark, scrubSecrets } from "@switchyard/telemetry";
import { z } from "zod";

/** Longest provider message passed on, after scrubbing. */
export const maxProviderMessageChars = 200;
/** Of a provider's error body, only this much is ever looked at. */
const maxBodyChars = 8 * 1024;

/** Messages where OpenAI-compatible servers put them: OpenAI and vLLM's `error.message`, Ollama's `error`, FastAPI's `detail`. */
const ErrorBody = z.union([
  z.looseObject({ error: z.looseObject({ message: z.string() }) }).transform((body) => body.error.message),
  z.looseObject({ error: z.string() }).transform((body) => body.error),
  z.looseObject({ message: z.string() }).transform((body) => body.message),
  z.looseObject({ detail: z.string() }).transform((body) => body.detail),
]);

/** What looks like a credential, whoever's it is: bearer and basic tokens, `sk-` keys, `key=value` pairs, long base64 or hex runs. */
const credentialPatterns: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[^\s"',;]+/gi, `$1 ${redactedMark}`],
  [/\bsk-[A-Za-z0-9_-]{6,}/g, redactedMark],
  [/\b(api[_-]?key|access[_-]?token|token|secret|password|authorization)(["']?\s*[:=]\s*["']?)[^\s"',;]+/gi, `$1$2${redactedMark}`],
  [/[A-Za-z0-9+/_-]{32,}={0,2}/g, redactedMark],
];

/**
 * Text from a model provider made safe to hand on: the exact secrets given (the key this call
 * sent) and every secret the process registered are replaced, then anything that looks like a
 * credential, control characters and runs of whitespace are collapsed, and the result is bounded.
 */
export function scrubProviderText(text: string, secrets: readonly (string | undefined)[] = []): string {
  let safe = text.slice(0, maxBodyChars);
  for (const secret of secrets) if (secret && secret.length >= minSecretLength) safe = safe.split(secret).join(redactedMark);
  safe = scrubSecrets(safe);
  for (const [pattern, replacement] of credentialPatterns) safe = safe.replace(pattern, replacement);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
  safe = safe.replace(/[\u0000-\u001f\u007f\s]+/g, " ").trim();
  return safe.length > maxProviderMessageChars ? `${safe.slice(0, maxProviderMessageChars - 1)}…` : safe;
}

/**
 * The provider's own message, summarised, or nothing: only a message field of a JSON error body
 * counts (a raw body may be an HTML page or echo the whole request, headers included), and a
 * message that quotes structured data (the request, echoed back) is left out.
 */
function providerMessage(body: string, secrets: readonly (string | undefined)[]): string | undefined {
  const message = parseJsonOrUndefined(ErrorBody, body.slice(0, maxBodyChars));
  if (message === undefined || /[{[]\s*"/.test(message)) return undefined;
  const safe = scrubProviderText(message, secrets);
  return safe === "" ? undefined : safe;
}

/**
 * A provider's HTTP error as an AppError, summarised: its status and a bounded, scrubbed
 * message. Refused credentials (401, 403) say nothing of the provider's text: that is about
 * the deployment's key, and is where providers quote it. A request the provider found invalid
 * (400, 422) is the caller's to fix and stays a 4xx; 429 keeps its Retry-After; 5xx may be retried.
 */
export function providerStatusError(
  provider: string,
  status: number,
  body: string,
  retryAfter: string | string[] | undefined,
  secrets: readonly (string | undefined)[],
): AppError {
  const prefix = `model provider '${provider}' answered ${status}`;
  if (status === 401 || status === 403) {
    return new AppError("upstream_error", `${prefix}: it refused the credentials this deployment has for it`, {
      retryable: false,
      details: { providerStatus: status },
    });
  }
  const detail = providerMessage(body, secrets);
  const message = detail ? `${prefix}: ${detail}` : prefix;
  const details = { providerStatus: status };
  if (status === 429) {
    const after = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
    const safeAfter = after && /^[0-9A-Za-z ,:.-]{1,64}$/.test(after) ? after : undefined;
    return new AppError("rate_limited", message, { details: safeAfter ? { ...details, retryAfter: safeAfter } : details });
  }
  if (status === 400 || status === 422) return new AppError("invalid_request", message, { details });
  if (status === 413) return new AppError("payload_too_large", message, { details });
  if (status === 408) return new AppError("timeout", message, { details });
  return new AppError("upstream_error", message, { retryable: status >= 500, details });
}
