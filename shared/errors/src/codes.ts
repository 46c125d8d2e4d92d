/** Every error Switchyard reports, by stable machine-readable code. */
export const ErrorCode = {
  invalidRequest: "invalid_request",
  invalidDefinition: "invalid_definition",
  invalidInput: "invalid_input",
  maxStepsExceeded: "max_steps_exceeded",
  notFound: "not_found",
  conflict: "conflict",
  payloadTooLarge: "payload_too_large",
  unsupportedMediaType: "unsupported_media_type",
  /** No credentials, or credentials that are not (or no longer) valid. */
  unauthorized: "unauthorized",
  forbidden: "forbidden",
  methodNotAllowed: "method_not_allowed",
  rateLimited: "rate_limited",
  notImplemented: "not_implemented",
  upstreamError: "upstream_error",
  unavailable: "unavailable",
  timeout: "timeout",
  cancelled: "cancelled",
  /** The background queue is at its bound: nothing was queued, try again later. */
  queueFull: "queue_full",
  /** A background execution that lost its executor on every delivery, up to the limit. */
  deadLettered: "dead_lettered",
  /** A code pipeline's own error, or a sandbox limit it hit (CPU, memory, output, setup time; `param` names the setting). */
  sandboxError: "sandbox_error",
  internal: "internal",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const errorCodes = Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]];

export const httpStatusByCode: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_definition: 422,
  invalid_input: 422,
  max_steps_exceeded: 422,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthorized: 401,
  forbidden: 403,
  method_not_allowed: 405,
  rate_limited: 429,
  not_implemented: 501,
  upstream_error: 502,
  unavailable: 503,
  timeout: 504,
  cancelled: 499,
  queue_full: 503,
  dead_lettered: 500,
  sandbox_error: 500,
  internal: 500,
};

/** The OpenAI-style `type` field of the HTTP error body. */
export const errorTypeByCode: Record<ErrorCode, string> = {
  invalid_request: "invalid_request_error",
  invalid_definition: "invalid_request_error",
  invalid_input: "invalid_request_error",
  max_steps_exceeded: "agent_error",
  not_found: "not_found_error",
  conflict: "conflict_error",
  payload_too_large: "invalid_request_error",
  unsupported_media_type: "invalid_request_error",
  unauthorized: "authentication_error",
  forbidden: "permission_error",
  method_not_allowed: "invalid_request_error",
  rate_limited: "rate_limit_error",
  not_implemented: "not_implemented_error",
  upstream_error: "upstream_error",
  unavailable: "service_unavailable_error",
  timeout: "timeout_error",
  cancelled: "cancelled_error",
  queue_full: "service_unavailable_error",
  dead_lettered: "server_error",
  sandbox_error: "sandbox_error",
  internal: "server_error",
};

/** Retryability is derived from the code, never decided per call site. */
export const retryableCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "rate_limited",
  "upstream_error",
  "unavailable",
  "timeout",
  "queue_full",
]);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (errorCodes as readonly string[]).includes(value);
}
