import type { Response } from "express";
import type { StreamedEvent } from "../run-client.ts";

/**
 * An SSE response that opens on the first event, so failures before it can still be
 * HTTP errors. `send` returns false when the socket is backed up; `drained` says when
 * it is not any more (or the client left).
 */
export function eventStream(response: Response) {
  let started = false;
  const open = () => {
    if (started) return;
    started = true;
    response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" });
  };
  return {
    get started() {
      return started;
    },
    open,
    /** `event: <name>` then `data: <json>`; the data alone when no name is given. */
    send(value: unknown, name?: string): boolean {
      open();
      return response.write(`${name ? `event: ${name}\n` : ""}data: ${typeof value === "string" ? value : JSON.stringify(value)}\n\n`);
    },
    drained(): Promise<void> {
      return new Promise<void>((resolve) => {
        const done = () => {
          response.off("drain", done);
          response.off("close", done);
          resolve();
        };
        response.once("drain", done);
        response.once("close", done);
      });
    },
  };
}

/** The agent event payloads of the native `/stream` API. */
export function agentEventPayload(event: StreamedEvent): { name: string; data: Record<string, unknown> } {
  switch (event.type) {
    case "delta":
      return { name: "delta", data: { text: event.text } };
    case "tool_call":
      return { name: "tool_call", data: { id: event.id ?? "", name: event.name ?? "", arguments: event.arguments ?? "" } };
    case "tool_result":
      return { name: "tool_result", data: { id: event.id, name: event.name, content: event.content, is_error: event.is_error } };
  }
}
