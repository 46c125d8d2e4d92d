import type { Usage } from "@switchyard/contracts";
import type { Response } from "express";
import { recordUsage } from "../access/limits.ts";
import { abortOnClose } from "./client-gone.ts";

/** What every run for an HTTP request gets: cancelled when the client goes away, its usage charged to the key's limits. */
export function runControl(response: Response): { signal: AbortSignal; onUsage(usage: Usage | undefined): void } {
  return { signal: abortOnClose(response), onUsage: (usage) => recordUsage(response, usage) };
}
