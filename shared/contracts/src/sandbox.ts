import { z } from "zod";

/** The code sandbox's limits, as every executor applies them (see SANDBOX_* in the README). */
export const SandboxLimitsView = z.object({
  cpuMs: z.number().int().positive(),
  memoryBytes: z.number().int().positive(),
  outputBytes: z.number().int().positive(),
  setupMs: z.number().int().positive(),
});

/** What an operator may change at run time: within the same bounds as the settings. */
export const SandboxLimitsChange = z
  .object({
    cpuMs: z.number().int().positive().max(600_000),
    memoryBytes: z
      .number()
      .int()
      .min(1024 * 1024)
      .max(2 * 1024 * 1024 * 1024),
    outputBytes: z
      .number()
      .int()
      .positive()
      .max(900 * 1024),
    setupMs: z.number().int().positive().max(600_000),
  })
  .partial();
export type SandboxLimitsChange = z.infer<typeof SandboxLimitsChange>;

/** Asked of every executor: its sandbox's state, new limits (kept in Redis for executors that start later), or a restart. */
export const SandboxControl = z.discriminatedUnion("action", [
  z.object({ action: z.literal("status") }),
  z.object({ action: z.literal("configure"), limits: SandboxLimitsChange }),
  z.object({ action: z.literal("restart") }),
]);
export type SandboxControl = z.infer<typeof SandboxControl>;

export const SandboxReport = z.object({
  executor: z.string(),
  variant: z.literal("quickjs-wasm"),
  /** Worker threads running now, and at most. */
  workers: z.number().int().min(0),
  maxWorkers: z.number().int().min(0),
  /** Calls in progress, answered, and the sandboxes made for them (cold starts), since start or the last restart. */
  running: z.number().int().min(0),
  calls: z.number().int().min(0),
  coldStarts: z.number().int().min(0),
  limits: SandboxLimitsView,
});
export type SandboxReport = z.infer<typeof SandboxReport>;
