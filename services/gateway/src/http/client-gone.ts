import type { Response } from "express";

/** A signal that aborts when the response closes before it finished: the client went away, so the run is cancelled. */
export function abortOnClose(response: Response): AbortSignal {
  const controller = new AbortController();
  response.once("close", () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}
