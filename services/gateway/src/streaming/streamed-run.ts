import { type AppError, toAppError } from "@switchyard/errors";
import type { Response } from "express";
import type { EventSink, RunResult, StreamedEvent } from "../core/run-client.ts";
import { eventStream, type SseFrame } from "../http/sse.ts";

/** How one face writes a streamed run as server-sent events. */
export interface StreamEncoder {
  /** Frames sent before the run is even asked for (AG-UI's RUN_STARTED): they open the stream, so every later error is in-band. */
  opening?(): SseFrame[];
  /** Frames for one streamed event (none to skip it). */
  event(event: StreamedEvent): SseFrame[];
  /** Frames once the run finished, end marker included (`data: [DONE]` for OpenAI). */
  done(result: RunResult): SseFrame[];
  /** Frames for a failure once the stream is open. */
  error(error: AppError): SseFrame[];
}

/** What the adapter hands the run: where its events go, and what to do once an executor took it. */
export interface StreamedRunOptions {
  stream: EventSink;
  onAccepted(executor: string): void;
}

/**
 * The one way a run streams to an HTTP client, for every face: the SSE response opens on
 * the first frame, so a failure before it (unknown model, no executor, 429 …) is a proper
 * HTTP error from the error middleware, and a failure after it is the face's in-band error.
 * Flow control: a frame the socket could not take pauses the run's credit until it drains.
 */
export async function streamRun(
  response: Response,
  encoder: StreamEncoder,
  run: (options: StreamedRunOptions) => Promise<RunResult>,
): Promise<void> {
  const sse = eventStream(response);
  const opening = encoder.opening?.() ?? [];
  if (opening.length > 0) sse.send(...opening);
  try {
    const result = await run({
      stream: {
        onEvent: (event) => {
          const frames = encoder.event(event);
          return frames.length === 0 || sse.send(...frames);
        },
        drained: sse.drained,
      },
      onAccepted: (executor) => {
        if (!response.headersSent) response.setHeader("x-switchyard-executor", executor);
      },
    });
    sse.send(...encoder.done(result));
  } catch (error) {
    if (!sse.started) throw error;
    if (!response.destroyed) sse.send(...encoder.error(toAppError(error)));
  }
  response.end();
}
