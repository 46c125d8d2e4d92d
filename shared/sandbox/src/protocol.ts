/** The global the compiled bundle leaves its exports in, read by the sandbox's prelude. */
export const wrapperGlobal = "__switchyard_wrapper";

/** What a sandbox run may use: checked by the worker, each with the setting that sets it. */
export interface SandboxLimits {
  /** SANDBOX_CPU_MS: time the wrapper's code runs in one call (waits on the host excluded). */
  cpuMs: number;
  /** SANDBOX_MEMORY_BYTES: what one sandbox's heap may hold. */
  memoryBytes: number;
  /** SANDBOX_OUTPUT_BYTES: a return value, or what a call streams, as JSON. */
  outputBytes: number;
  /** SANDBOX_SETUP_MS: how long `setup()` may take in all (a setup that never returns fails after it). */
  setupMs: number;
}

/** The names of the settings, as errors name them. */
export const limitSettings = {
  cpuMs: "SANDBOX_CPU_MS",
  memoryBytes: "SANDBOX_MEMORY_BYTES",
  outputBytes: "SANDBOX_OUTPUT_BYTES",
  setupMs: "SANDBOX_SETUP_MS",
} as const;

/** A failure the worker reports: a limit (named), the wrapper's own error, or the run stopped from outside. */
export interface SandboxFailure {
  kind: "limit" | "wrapper" | "cancelled" | "timeout";
  message: string;
  /** The setting whose limit was hit. */
  setting?: string;
}

export type ToWorker =
  | {
      type: "run";
      runId: number;
      /** The definition and version: a warm sandbox of the same key is reused. */
      key: string;
      bundle: string;
      /** `runApi`, `runChatCompletion`, or the deploy-time `describe`. */
      fn: "runApi" | "runChatCompletion" | "describe";
      /** The function's arguments, as JSON. */
      args: string;
      limits: SandboxLimits;
      deadlineMs: number;
    }
  | { type: "reply"; runId: number; callId: number; ok: true; value: string }
  | { type: "reply"; runId: number; callId: number; ok: false; message: string }
  | { type: "cancel"; runId: number }
  /** Drops every warm sandbox (a restart, or new limits). */
  | { type: "reset" };

export type FromWorker =
  | { type: "ready" }
  | { type: "host"; runId: number; callId: number; op: string; payload: string }
  | { type: "log"; runId: number; line: string }
  | { type: "done"; runId: number; ok: true; value: string; cpuMs: number; cold: boolean }
  | { type: "done"; runId: number; ok: false; failure: SandboxFailure; cpuMs: number; cold: boolean };
