import { sandboxLimitBounds } from "@switchyard/contracts";
import { z } from "zod";

const setting = (name: keyof typeof sandboxLimitBounds, fallback: number) =>
  z.coerce.number().int().min(sandboxLimitBounds[name].min).max(sandboxLimitBounds[name].max).default(fallback);

/** Code pipelines' sandbox (the registry reads declarations with it at deploy, executors run wrappers in it). */
export const sandboxEnv = {
  /** CPU time one call of a wrapper may use (its waits on models and tools not counted). */
  SANDBOX_CPU_MS: setting("cpuMs", 1000),
  /** What one sandbox's memory may grow to, its heap and the code loaded in it. */
  SANDBOX_MEMORY_BYTES: setting("memoryBytes", 64 * 1024 * 1024),
  /** A wrapper's return value (as JSON), a host call's payload, and the text one call streams. */
  SANDBOX_OUTPUT_BYTES: setting("outputBytes", 512 * 1024),
  /** How long `setup()` may take, waits included. */
  SANDBOX_SETUP_MS: setting("setupMs", 10_000),
  /** Worker threads sandboxes run on. */
  SANDBOX_WORKERS: z.coerce.number().int().min(1).max(64).default(2),
} as const;

export interface SandboxEnv {
  SANDBOX_CPU_MS: number;
  SANDBOX_MEMORY_BYTES: number;
  SANDBOX_OUTPUT_BYTES: number;
  SANDBOX_SETUP_MS: number;
  SANDBOX_WORKERS: number;
}

/** The limits those settings give, as the sandbox pool takes them. */
export const sandboxLimitsOf = (config: SandboxEnv) => ({
  cpuMs: config.SANDBOX_CPU_MS,
  memoryBytes: config.SANDBOX_MEMORY_BYTES,
  outputBytes: config.SANDBOX_OUTPUT_BYTES,
  setupMs: config.SANDBOX_SETUP_MS,
});
