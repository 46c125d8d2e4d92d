import { z } from "zod";
import { type ErrorCode, errorCodes, retryableCodes } from "./codes.ts";

export interface AppErrorOptions {
  details?: Record<string, unknown>;
  /** The request field the error is about, reported as `param`. */
  param?: string;
  cause?: unknown;
  retryable?: boolean;
}

/** Characters of an error message that travel between processes. */
export const maxWireMessage = 4096;

/** The one error type of Switchyard. Transports map it once each. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly param: string | undefined;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.details = options.details;
    this.param = options.param;
    this.retryable = options.retryable ?? retryableCodes.has(code);
  }

  /**
   * The wire form: never a stack, and a message of at most `maxWireMessage` characters (one
   * from a remote server can be any size; it must fit a gRPC trailer). `retryable` travels
   * only when it differs from what the code implies.
   */
  toWire(): WireError {
    return {
      code: this.code,
      message: this.message.length > maxWireMessage ? `${this.message.slice(0, maxWireMessage)}…` : this.message,
      ...(this.param === undefined ? {} : { param: this.param }),
      ...(this.details === undefined ? {} : { details: this.details }),
      ...(this.retryable === retryableCodes.has(this.code) ? {} : { retryable: this.retryable }),
    };
  }
}

/** How an error travels over NATS and inside gRPC trailers. */
export const WireError = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  param: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  retryable: z.boolean().optional(),
});
export type WireError = z.infer<typeof WireError>;

export function fromWire(wire: WireError): AppError {
  return new AppError(wire.code, wire.message, { param: wire.param, details: wire.details, retryable: wire.retryable });
}

/** Anything thrown becomes an AppError; unknown failures are `internal` with a generic message. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    const path = issue?.path.join(".") ?? "";
    return new AppError("invalid_request", path ? `${path}: ${issue?.message}` : (issue?.message ?? "invalid"), {
      param: path || undefined,
      cause: error,
    });
  }
  if (isConnectionFailure(error))
    return new AppError("unavailable", "a backing store or service is unreachable; try again", { cause: error });
  return new AppError("internal", "internal error", { cause: error });
}

/** How many of a schema's problems a validation error lists. */
const maxProblems = 32;

/**
 * The problems of a request that failed validation, one `path: message` line each: every issue of the schema that
 * refused it (an AppError made from a ZodError keeps it as its cause), or the message of an `invalid_input` or
 * `invalid_definition` error. Undefined for any other error.
 */
export function validationProblems(error: AppError): string[] | undefined {
  const cause = error.cause;
  if (cause instanceof z.ZodError) {
    return cause.issues
      .slice(0, maxProblems)
      .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message));
  }
  return error.code === "invalid_input" || error.code === "invalid_definition" ? [error.message] : undefined;
}

/** Socket errors a dependency's connection reports while it is down or frozen. */
const connectionErrnos = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTCONN"]);
/**
 * What the Redis client (ioredis) rejects a command with when Redis is unreachable: it gave up
 * retrying while disconnected, the command outlived `commandTimeout` (a frozen server), or the
 * connection closed under it. Matched by name and text because ioredis exports no classes for them.
 */
const redisConnectionName = "MaxRetriesPerRequestError";
const redisConnectionMessages = new Set(["Command timed out", "Connection is closed."]);

/** A failure to reach a dependency, not a bug: it becomes a retryable `unavailable` (503), never `internal`. */
function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const errno = "code" in error ? error.code : undefined;
  if (typeof errno === "string" && connectionErrnos.has(errno)) return true;
  return error.name === redisConnectionName || redisConnectionMessages.has(error.message);
}
