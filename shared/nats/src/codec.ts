import { type MsgHdrs, headers as natsHeaders } from "@nats-io/transport-node";
import { extractContext, injectContext } from "@switchyard/telemetry";
import type { z } from "zod";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Parses bytes as JSON and then through the schema: nothing crosses a boundary unparsed. */
export function decodeJson<T extends z.ZodType>(schema: T, data: Uint8Array): z.infer<T> {
  return schema.parse(JSON.parse(decoder.decode(data)));
}

/** Headers carrying the active trace context (W3C `traceparent`). */
export function traceHeaders(): MsgHdrs {
  const headers = natsHeaders();
  injectContext({ get: (key) => headers.get(key) || undefined, set: (key, value) => headers.set(key, value) });
  return headers;
}

/** The trace context a message carries, to run its handler under. */
export function contextFromHeaders(headers: MsgHdrs | undefined) {
  return extractContext({
    get: (key) => headers?.get(key) || undefined,
    set: () => {},
  });
}
