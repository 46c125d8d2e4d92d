import { parseJsonOrUndefined } from "@switchyard/contracts";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { z } from "zod";

/** Exit codes: documented in the README and `switchyard --help`. */
export const exitCodes = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

/** A failure the CLI reports as one line and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

export interface Connection {
  url: string;
  apiKey: string | undefined;
}

/** One error line from any face's error body: `{"error": {...}}` or `{"detail": ...}`. */
function errorLine(status: number, body: unknown): string {
  if (typeof body === "object" && body !== null) {
    if ("error" in body && typeof body.error === "object" && body.error !== null && "message" in body.error) {
      const code = "code" in body.error ? ` (${String(body.error.code)})` : "";
      return `${status}${code}: ${String(body.error.message)}`;
    }
    if ("detail" in body) return `${status}: ${typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)}`;
  }
  return `${status}: ${typeof body === "string" ? body.slice(0, 500) : JSON.stringify(body).slice(0, 500)}`;
}

const bodyOf = async (response: Response): Promise<unknown> => {
  const text = await response.text();
  // Not JSON: shown as text.
  return text === "" ? undefined : (parseJsonOrUndefined(z.unknown(), text) ?? text);
};

/**
 * Sends one request and answers the response once it is 2xx, its body unread (a stream is
 * read as it comes); any other status is a CliError with the server's message.
 */
export async function open(
  connection: Connection,
  method: string,
  path: string,
  body?: unknown,
  options: { signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers, ...(connection.apiKey ? { "x-api-key": connection.apiKey } : {}) };
  const init: RequestInit = { method, headers, ...(options.signal ? { signal: options.signal } : {}) };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(`${connection.url.replace(/\/+$/, "")}${path}`, init);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new CliError(`cannot reach ${connection.url}: ${cause}`, exitCodes.unreachable);
  }
  if (!response.ok) throw new CliError(errorLine(response.status, await bodyOf(response)), exitCodes.failed);
  return response;
}

/** Calls the gateway and answers the JSON body; any non-2xx is a CliError with the server's message. */
export async function call(connection: Connection, method: string, path: string, body?: unknown): Promise<unknown> {
  return bodyOf(await open(connection, method, path, body));
}

/** The server-sent events of a response, as they arrive (eventsource-parser). */
export async function* serverSentEvents(response: Response): AsyncGenerator<EventSourceMessage> {
  if (!response.body) return;
  const arrived: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => arrived.push(event) });
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    yield* arrived.splice(0);
  }
}
