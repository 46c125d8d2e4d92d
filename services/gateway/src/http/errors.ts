import { AppError, errorTypeByCode, httpStatusByCode, toAppError, validationProblems } from "@switchyard/errors";
import type { Logger } from "@switchyard/telemetry";
import type { ErrorRequestHandler, RequestHandler, Response } from "express";

/**
 * The one error body: `{"error":{"message","type","code","param"}}`, used for HTTP errors
 * and for in-band stream errors alike. An agent that ran out of steps adds its `transcript`.
 */
export function errorBody(error: AppError) {
  const transcript = error.details?.transcript;
  return {
    error: {
      message: error.message,
      type: errorTypeByCode[error.code],
      code: error.code,
      param: error.param ?? null,
      ...(transcript === undefined ? {} : { transcript, tool_calls: error.details?.tool_calls }),
    },
  };
}

/**
 * The same error under `/api/v1` (agent-runtimes' and Pipelit's faces, FastAPI servers):
 * `{"detail": <message>, "status_code": <status>}`; a request that failed validation is, as
 * FastAPI does it, a 422 listing every problem: `{"detail": {"validation_errors": [...]}}`.
 */
export function detailBody(error: AppError): { status: number; body: unknown } {
  const problems = validationProblems(error);
  if (problems) return { status: 422, body: { detail: { validation_errors: problems }, status_code: 422 } };
  const status = httpStatusByCode[error.code];
  return { status, body: { detail: error.message, status_code: status } };
}

/** Sends an error in the shape of the face the path belongs to, with the headers its code calls for. */
export function sendError(response: Response, error: AppError, path = ""): void {
  const retryAfter = error.details?.retryAfter;
  if (typeof retryAfter === "string" || typeof retryAfter === "number") response.setHeader("Retry-After", String(retryAfter));
  if (error.code === "unauthorized") response.setHeader("WWW-Authenticate", 'Bearer realm="switchyard"');
  const { status, body } =
    path === "/api/v1" || path.startsWith("/api/v1/")
      ? detailBody(error)
      : { status: httpStatusByCode[error.code], body: errorBody(error) };
  response.status(status).json(body);
}

/** What body-parser reports, as AppErrors: every problem with a body is the client's. */
function fromBodyParser(error: unknown): AppError | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  if (!("type" in error)) {
    // A body it could not decode (a `Content-Encoding: gzip` that is not gzip, say): body-parser gives a 4xx status.
    const status = "status" in error && typeof error.status === "number" ? error.status : 0;
    if (status === 413) return new AppError("payload_too_large", "request body is too large", { cause: error });
    if (status === 415) return new AppError("unsupported_media_type", "unsupported request body encoding", { cause: error });
    if (status >= 400 && status < 500) return new AppError("invalid_request", "request body could not be decoded", { cause: error });
    return undefined;
  }
  switch (error.type) {
    case "entity.too.deep":
      return new AppError("invalid_request", `request body nests deeper than ${maxBodyDepth} levels`, { cause: error });
    case "entity.too.large":
      return new AppError("payload_too_large", "request body is too large", { cause: error });
    case "entity.parse.failed":
      return new AppError("invalid_request", "request body is not valid JSON", { cause: error });
    case "encoding.unsupported":
    case "charset.unsupported":
      return new AppError("unsupported_media_type", "unsupported request body encoding", { cause: error });
    case "request.aborted":
      return new AppError("cancelled", "the client went away", { cause: error });
    default:
      return new AppError("invalid_request", "request body could not be read", { cause: error });
  }
}

/** How deep a JSON body may nest: far past any real request, well short of what recursion over it can take. */
export const maxBodyDepth = 64;

/**
 * Refuses (before it is parsed) a JSON body nesting deeper than `maxBodyDepth`: one pass over
 * the bytes, counting brackets outside strings. Used as body-parser's `verify`.
 */
export function checkBodyDepth(_request: unknown, _response: unknown, body: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < body.length; index += 1) {
    const byte = body[index];
    if (inString) {
      if (byte === 0x5c) index += 1;
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b) {
      depth += 1;
      if (depth > maxBodyDepth) throw Object.assign(new Error("body nests too deep"), { type: "entity.too.deep" });
    } else if (byte === 0x7d || byte === 0x5d) depth -= 1;
  }
}

/** The single place where errors become HTTP responses. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, request, response, _next) => {
    const appError = fromBodyParser(error) ?? toAppError(error);
    if (httpStatusByCode[appError.code] >= 500) {
      logger.error({ err: error, method: request.method, path: request.path, code: appError.code }, "request failed");
    }
    if (response.headersSent) {
      response.end();
      return;
    }
    sendError(response, appError, request.path);
  };
}

export const notFoundHandler: RequestHandler = (request) => {
  throw new AppError("not_found", `no route for ${request.method} ${request.path}`);
};
