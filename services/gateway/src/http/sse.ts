import type { Response } from "express";

/** One server-sent event: `event: <name>` (when named) then `data: <json or text>`. */
export interface SseFrame {
  data: unknown;
  event?: string;
  /** The event's id, which a reconnecting client sends back as `Last-Event-ID`. */
  id?: string;
}

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
    /** Writes frames; false when the socket asks the writer to wait. */
    send(...frames: SseFrame[]): boolean {
      open();
      let more = true;
      for (const { data, event, id } of frames) {
        more = response.write(
          `${id ? `id: ${id}\n` : ""}${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`,
        );
      }
      return more;
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
export type EventStream = ReturnType<typeof eventStream>;
