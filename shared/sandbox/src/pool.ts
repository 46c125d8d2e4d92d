import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { parseJsonOrUndefined } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { z } from "zod";
import type { FromWorker, SandboxFailure, SandboxLimits, ToWorker } from "./protocol.ts";

/** What the wrapper's context reaches, answered by the process that runs it. */
export interface SandboxHost {
  /** One call of the context (`llm.chat`, `tools.call`, `emit`, …): its payload and its answer as JSON values. */
  call(op: string, payload: unknown): Promise<unknown>;
  log(line: string): void;
}

export interface SandboxCall {
  /** The definition and its version: warm sandboxes are kept per key. */
  key: string;
  bundle: string;
  fn: "runApi" | "runChatCompletion";
  args: unknown[];
  deadlineMs: number;
  signal?: AbortSignal;
}

export interface SandboxOutcome {
  /** What the prelude answered: `{value}` for a returned value, `{streamed: true}` after an async iterable. */
  output: unknown;
  cpuMs: number;
  /** A new sandbox was made for it (the wrapper loaded, `setup()` run). */
  cold: boolean;
}

/** What a wrapper declares, read at deploy time by running its top-level code in a sandbox. */
export const WrapperDescription = z.object({
  inputs: z.record(z.string(), z.unknown()),
  description: z.string().default(""),
  functions: z.object({ setup: z.boolean(), runApi: z.boolean(), runChatCompletion: z.boolean() }),
});
export type WrapperDescription = z.infer<typeof WrapperDescription>;

export interface SandboxStatus {
  variant: "quickjs-wasm";
  workers: number;
  maxWorkers: number;
  running: number;
  limits: SandboxLimits;
  /** Calls answered and sandboxes made since start (or the last restart). */
  calls: number;
  coldStarts: number;
}

export interface SandboxPool {
  run(call: SandboxCall, host: SandboxHost): Promise<SandboxOutcome>;
  /** Loads a bundle in a fresh sandbox and reads its declarations; nothing is kept. */
  describe(bundle: string): Promise<WrapperDescription>;
  status(): SandboxStatus;
  /** New limits for the calls that start from now on; warm sandboxes are dropped. */
  configure(limits: Partial<SandboxLimits>): SandboxLimits;
  /** Ends every worker (their calls fail `unavailable`); new ones start with the next call. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface SandboxPoolOptions {
  limits: SandboxLimits;
  /** SANDBOX_WORKERS: threads sandboxes run on. */
  workers: number;
  /** Calls one worker takes at once (they interleave while they wait on the host). */
  callsPerWorker?: number;
}

/** The worker's script: the built one beside the bundle when there is one, else the TypeScript source through tsx. */
function workerScript(): { url: URL; workerData?: { tsx: string; entry: string } } {
  const built = new URL("./sandbox-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(built))) return { url: built };
  return {
    url: new URL("./worker-boot.mjs", import.meta.url),
    workerData: { tsx: import.meta.resolve("tsx/esm/api"), entry: new URL("./worker.ts", import.meta.url).href },
  };
}

interface Pending {
  host: SandboxHost;
  resolve(outcome: SandboxOutcome): void;
  reject(error: AppError): void;
}

interface Thread {
  worker: Worker;
  ready: Promise<void>;
  calls: Map<number, Pending>;
}

const asError = (failure: SandboxFailure): AppError => {
  if (failure.kind === "cancelled") return new AppError("cancelled", failure.message);
  if (failure.kind === "timeout") return new AppError("timeout", failure.message);
  return new AppError("sandbox_error", failure.message, failure.setting ? { param: failure.setting } : {});
};

/** How long past its deadline a call may go unanswered before its worker is ended. */
const stuckGraceMs = 2000;

const jsonText = (value: unknown) => JSON.stringify(value === undefined ? null : value);

/**
 * Sandboxes on a few worker threads, so a wrapper that spins never holds the caller's event
 * loop: each call goes to the least busy worker (one with a warm sandbox of its key first);
 * the wrapper's host calls come back here as messages and are answered from `host`.
 */
export function createSandboxPool(options: SandboxPoolOptions): SandboxPool {
  let limits = { ...options.limits };
  const callsPerWorker = options.callsPerWorker ?? 64;
  let threads: Thread[] = [];
  let nextId = 0;
  let calls = 0;
  let coldStarts = 0;
  const script = workerScript();

  function spawn(): Thread {
    const worker = new Worker(script.url, { workerData: script.workerData, stdout: false, stderr: false });
    worker.unref();
    const thread: Thread = { worker, calls: new Map(), ready: Promise.resolve() };
    thread.ready = new Promise((resolve, reject) => {
      worker.once("error", reject);
      worker.once("message", () => resolve());
    });
    thread.ready.catch(() => {});
    worker.on("message", (message: FromWorker) => receive(thread, message));
    const lost = (reason: string) => {
      threads = threads.filter((other) => other !== thread);
      for (const pending of thread.calls.values()) pending.reject(new AppError("unavailable", `the sandbox worker stopped: ${reason}`));
      thread.calls.clear();
    };
    worker.on("error", (error) => lost(error.message));
    worker.on("exit", (code) => lost(`exit code ${code}`));
    threads.push(thread);
    return thread;
  }

  function receive(thread: Thread, message: FromWorker): void {
    if (message.type === "ready") return;
    const pending = thread.calls.get(message.runId);
    if (!pending) return;
    if (message.type === "log") {
      pending.host.log(message.line);
      return;
    }
    if (message.type === "host") {
      const payload = parseJsonOrUndefined(z.unknown(), message.payload);
      const answer = (reply: ToWorker) => {
        if (thread.calls.has(message.runId)) thread.worker.postMessage(reply);
      };
      void pending.host.call(message.op, payload).then(
        (value) => answer({ type: "reply", runId: message.runId, callId: message.callId, ok: true, value: jsonText(value) }),
        (error: unknown) =>
          answer({
            type: "reply",
            runId: message.runId,
            callId: message.callId,
            ok: false,
            message: error instanceof Error ? error.message : String(error),
          }),
      );
      return;
    }
    thread.calls.delete(message.runId);
    calls += 1;
    if (message.cold) coldStarts += 1;
    if (message.ok) {
      pending.resolve({ output: parseJsonOrUndefined(z.unknown(), message.value), cpuMs: message.cpuMs, cold: message.cold });
    } else pending.reject(asError(message.failure));
  }

  function pick(): Thread {
    const open = threads.filter((thread) => thread.calls.size < callsPerWorker);
    if (threads.length < options.workers && open.every((thread) => thread.calls.size > 0)) return spawn();
    const least = open.sort((a, b) => a.calls.size - b.calls.size)[0];
    if (!least) throw new AppError("unavailable", "every sandbox worker is at its limit of calls; try again", { details: { busy: true } });
    return least;
  }

  async function send(
    call: Omit<Extract<ToWorker, { type: "run" }>, "type" | "runId" | "limits">,
    host: SandboxHost,
    signal?: AbortSignal,
  ): Promise<SandboxOutcome> {
    signal?.throwIfAborted();
    const thread = pick();
    await thread.ready;
    const runId = ++nextId;
    return new Promise<SandboxOutcome>((resolve, reject) => {
      const onAbort = () => thread.worker.postMessage({ type: "cancel", runId } satisfies ToWorker);
      signal?.addEventListener("abort", onAbort, { once: true });
      // The backstop: a worker that has not answered well past the deadline is stuck in native code. It is
      // ended, and every call it held fails; the next call starts a new one.
      const watchdog = setTimeout(() => {
        if (!thread.calls.has(runId)) return;
        const pending = thread.calls.get(runId);
        thread.calls.delete(runId);
        pending?.reject(new AppError("timeout", `the wrapper did not finish within ${call.deadlineMs} ms`));
        void thread.worker.terminate();
      }, call.deadlineMs + stuckGraceMs);
      watchdog.unref();
      const settle = () => {
        clearTimeout(watchdog);
        signal?.removeEventListener("abort", onAbort);
      };
      thread.calls.set(runId, {
        host,
        resolve: (outcome) => {
          settle();
          resolve(outcome);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      thread.worker.postMessage({ type: "run", runId, limits, ...call } satisfies ToWorker);
    });
  }

  const noHost: SandboxHost = {
    call: async () => {
      throw new Error("nothing is reachable while a wrapper is being deployed");
    },
    log: () => {},
  };

  return {
    run(call, host) {
      return send(
        { key: call.key, bundle: call.bundle, fn: call.fn, args: jsonText(call.args), deadlineMs: call.deadlineMs },
        host,
        call.signal,
      );
    },
    async describe(bundle) {
      const outcome = await send({ key: "", bundle, fn: "describe", args: "[]", deadlineMs: limits.setupMs }, noHost);
      const described = WrapperDescription.safeParse(outcome.output);
      if (!described.success)
        throw new AppError("invalid_definition", "the wrapper's declarations (inputs, description) are not plain data");
      return described.data;
    },
    status: () => ({
      variant: "quickjs-wasm",
      workers: threads.length,
      maxWorkers: options.workers,
      running: threads.reduce((sum, thread) => sum + thread.calls.size, 0),
      limits: { ...limits },
      calls,
      coldStarts,
    }),
    configure(changes) {
      limits = { ...limits, ...changes };
      for (const thread of threads) thread.worker.postMessage({ type: "reset" } satisfies ToWorker);
      return { ...limits };
    },
    async restart() {
      const ending = threads;
      threads = [];
      calls = 0;
      coldStarts = 0;
      await Promise.all(ending.map((thread) => thread.worker.terminate()));
    },
    async close() {
      const ending = threads;
      threads = [];
      await Promise.all(ending.map((thread) => thread.worker.terminate()));
    },
  };
}
