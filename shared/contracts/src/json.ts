import type { AppError } from "@switchyard/errors";
import { z } from "zod";

/** Any JSON object: tool arguments, JSON Schemas, stored definitions. */
export const JsonObject = z.record(z.string(), z.unknown());
export type JsonObject = z.infer<typeof JsonObject>;

/**
 * The one place text becomes a value outside the message codecs: JSON, then the schema.
 * What a failure means depends on who sent the text (a client's bad request, a peer's
 * malformed reply), so the caller says which error it is.
 */
export function parseJson<T extends z.ZodType>(schema: T, text: string, failure: (detail: string) => AppError): z.infer<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw failure("not valid JSON");
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw failure(`${issue?.path.join(".") || "value"}: ${issue?.message ?? "invalid"}`);
  }
  return result.data;
}

/** JSON text, or undefined when it does not parse: for lines that may or may not be JSON (logs). */
export function parseJsonOrUndefined<T extends z.ZodType>(schema: T, text: string): z.infer<T> | undefined {
  try {
    const result = schema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * JSON text as an unchecked value, for a hot path that checks its common shape by hand and
 * sends everything else through a schema (a provider's streamed chunks).
 */
export function parseJsonValue(text: string, failure: (detail: string) => AppError): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw failure("not valid JSON");
  }
}
