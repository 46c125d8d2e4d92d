import { z } from "zod";

/** The code sandbox's limits, as every executor applies them (see SANDBOX_* in the README). */
export const SandboxLimitsView = z.object({
  cpuMs: z.number().int().positive(),
  memoryBytes: z.number().int().positive(),
  outputBytes: z.number().int().positive(),
  setupMs: z.number().int().positive(),
});

/** The bounds of each limit: the same for the SANDBOX_* settings and for a change at run time. */
export const sandboxLimitBounds = {
  cpuMs: { min: 1, max: 600_000 },
  memoryBytes: { min: 1024 * 1024, max: 2 * 1024 * 1024 * 1024 },
  /** Below what NATS carries in one message (a result travels in one). */
  outputBytes: { min: 1, max: 900 * 1024 },
  setupMs: { min: 1, max: 600_000 },
} as const;

const bounded = (name: keyof typeof sandboxLimitBounds) =>
  z.number().int().min(sandboxLimitBounds[name].min).max(sandboxLimitBounds[name].max);

/** What an operator may change at run time: within the same bounds as the settings. */
export const SandboxLimitsChange = z
  .object({
    cpuMs: bounded("cpuMs"),
    memoryBytes: bounded("memoryBytes"),
    outputBytes: bounded("outputBytes"),
    setupMs: bounded("setupMs"),
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
