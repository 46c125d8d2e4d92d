// One sandbox: a QuickJS runtime on a WebAssembly instance of its own, with the prelude and one
// wrapper loaded, its heap capped by the instance's memory and its CPU budget by QuickJS's
// interrupt handler. Its effects are messages, sent through the `post` it is given.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import * as variantModule from "@jitl/quickjs-wasmfile-release-sync";
import {
  type CustomizeVariantOptions,
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSDeferredPromise,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from "quickjs-emscripten-core";
import { prelude } from "./prelude.ts";
import { type FromWorker, limitSettings, type SandboxFailure, type SandboxLimits } from "./protocol.ts";

// Each sandbox gets its own WebAssembly instance, with a linear memory of its own whose maximum
// is the heap limit plus QuickJS's base: QuickJS's own accounting misses large allocations
// (arrays, typed arrays), the memory's maximum does not. A sandbox stopped mid-call is dropped
// whole, never torn down object by object. The module is compiled once per worker.
/**
 * Where the QuickJS variant is installed: found from here in the source tree, and through this
 * package (a dependency of the service) when this file was bundled into a service's `dist/`.
 */
function resolveVariant(): string {
  const here = createRequire(import.meta.url);
  try {
    return here.resolve("@jitl/quickjs-wasmfile-release-sync");
  } catch {
    return createRequire(here.resolve("@switchyard/sandbox/package.json")).resolve("@jitl/quickjs-wasmfile-release-sync");
  }
}

// (The WebAssembly global is in Node's runtime but not in the typings this project compiles against.)
interface WasmApi {
  compile(bytes: Uint8Array): Promise<NonNullable<CustomizeVariantOptions["wasmModule"]>>;
  Memory: new (descriptor: { initial: number; maximum: number }) => NonNullable<CustomizeVariantOptions["wasmMemory"]>;
}
const webAssembly: WasmApi = Reflect.get(globalThis, "WebAssembly");
const wasmFile = join(resolveVariant(), "..", "emscripten-module.wasm");
const wasmModule = await webAssembly.compile(readFileSync(wasmFile));
// The package's typings describe its CommonJS build; imported as ESM its default export is the variant itself.
const isSyncVariant = (value: unknown): value is QuickJSSyncVariant =>
  typeof value === "object" && value !== null && "type" in value && value.type === "sync";
const loadedVariant: unknown = variantModule.default;
if (!isSyncVariant(loadedVariant)) throw new Error("the QuickJS variant did not load");
const baseVariant = loadedVariant;
/** 64 KiB WebAssembly pages: QuickJS's own 16 MiB (static data, stack), then the heap limit. */
const basePages = 256;
const newModule = (memoryBytes: number): Promise<QuickJSWASMModule> =>
  newQuickJSWASMModuleFromVariant(
    newVariant(baseVariant, {
      wasmModule,
      wasmMemory: new webAssembly.Memory({ initial: basePages, maximum: basePages + Math.ceil(memoryBytes / 65536) }),
    }),
  );

/** Host calls one run may have pending at once, and log lines it may write. */
const maxPendingCalls = 64;
const maxLogLines = 1000;
const maxLogChars = 2000;

export class Stopped extends Error {
  constructor(readonly failure: SandboxFailure) {
    super(failure.message);
  }
}

export interface Call {
  id: number;
  pending: Map<number, QuickJSDeferredPromise>;
  logLines: number;
  /** Rejects when the call is stopped from outside or by a limit. */
  stopped: Promise<never>;
  stop(failure: SandboxFailure): void;
}

export function newCall(id: number): Call {
  let stop: (failure: SandboxFailure) => void = () => {};
  const stopped = new Promise<never>((_, reject) => {
    stop = (failure) => reject(new Stopped(failure));
  });
  stopped.catch(() => {});
  return { id, pending: new Map(), logLines: 0, stopped, stop };
}

let nextCallId = 0;

/** One warm sandbox: a QuickJS runtime and context with the prelude and one wrapper loaded. */
export class Sandbox {
  readonly runtime: QuickJSRuntime;
  readonly vm: QuickJSContext;
  /** Set once a limit or a stop left it in an unknown state: it is thrown away after the call. */
  broken = false;
  /** Not kept warm after this call (a deploy-time description). */
  retire = false;
  setupDone = false;
  private cpuUsed = 0;
  private sliceStart = 0;
  private interrupted: SandboxFailure | undefined;
  private current: Call | undefined;

  private constructor(
    quickjs: QuickJSWASMModule,
    readonly limits: SandboxLimits,
    private readonly post: (message: FromWorker) => void,
  ) {
    this.runtime = quickjs.newRuntime();
    this.runtime.setMemoryLimit(limits.memoryBytes);
    this.runtime.setMaxStackSize(512 * 1024);
    this.runtime.setInterruptHandler(() => this.shouldInterrupt());
    this.vm = this.runtime.newContext();
    this.installHost();
  }

  /** A sandbox with the prelude and the wrapper loaded (its top-level code run, within the CPU and memory limits). */
  static async create(bundle: string, limits: SandboxLimits, post: (message: FromWorker) => void): Promise<Sandbox> {
    const sandbox = new Sandbox(await newModule(limits.memoryBytes), limits, post);
    try {
      sandbox.evaluate(prelude, "prelude.js");
      sandbox.evaluate(bundle, "pipeline_wrapper.js");
    } catch (error) {
      sandbox.broken = true;
      sandbox.dispose();
      throw error;
    }
    return sandbox;
  }

  private shouldInterrupt(): boolean {
    if (this.interrupted) return true;
    if (this.sliceStart > 0 && this.cpuUsed + (performance.now() - this.sliceStart) > this.limits.cpuMs) {
      this.interrupted = {
        kind: "limit",
        setting: limitSettings.cpuMs,
        message: `the wrapper ran for more than ${this.limits.cpuMs} ms of CPU (${limitSettings.cpuMs})`,
      };
      return true;
    }
    return false;
  }

  /** Runs synchronous sandbox work, counting its time against the CPU budget. */
  private timed<T>(work: () => T): T {
    this.sliceStart = performance.now();
    try {
      return work();
    } finally {
      this.cpuUsed += performance.now() - this.sliceStart;
      this.sliceStart = 0;
    }
  }

  cpuMs(): number {
    return Math.round(this.cpuUsed * 100) / 100;
  }

  /** What a thrown sandbox value means: the limit that stopped it, or the wrapper's own error. */
  private failureOf(error: QuickJSHandle): SandboxFailure {
    const dumped: unknown = this.vm.dump(error);
    error.dispose();
    this.broken ||= this.interrupted !== undefined;
    if (this.interrupted) return this.interrupted;
    const name = typeof dumped === "object" && dumped !== null && "name" in dumped ? String(dumped.name) : "Error";
    const message = typeof dumped === "object" && dumped !== null && "message" in dumped ? String(dumped.message) : String(dumped);
    if (/out of memory/i.test(message) || /stack overflow/i.test(message)) {
      this.broken = true;
      return {
        kind: "limit",
        setting: limitSettings.memoryBytes,
        message: `the wrapper used more than ${this.limits.memoryBytes} bytes of memory (${limitSettings.memoryBytes}): ${message}`,
      };
    }
    const stack = typeof dumped === "object" && dumped !== null && "stack" in dumped ? String(dumped.stack) : "";
    const where = stack.split("\n").find((line) => line.includes("pipeline_wrapper"));
    return { kind: "wrapper", message: `${name}: ${message}${where ? ` (${where.trim()})` : ""}`.slice(0, 2000) };
  }

  private evaluate(code: string, filename: string): void {
    const result = this.timed(() => this.vm.evalCode(code, filename));
    if (result.error) throw new Stopped(this.failureOf(result.error));
    result.value.dispose();
  }

  /** Runs the jobs promises left (after a host reply); a job that throws (a limit) stops the call. */
  private pump(): void {
    const result = this.timed(() => this.runtime.executePendingJobs());
    if (result.error) {
      const failure = this.failureOf(result.error);
      this.broken = true;
      this.current?.stop(failure);
    }
  }

  private installHost(): void {
    const vm = this.vm;
    const host = vm.newObject();
    const call = vm.newFunction("call", (opHandle, payloadHandle) => {
      const deferred = vm.newPromise();
      const current = this.current;
      const op = vm.getString(opHandle);
      const payload = vm.getString(payloadHandle);
      const refuse = (message: string) => {
        const error = vm.newError(message);
        deferred.reject(error);
        error.dispose();
      };
      if (!current) refuse("the wrapper's context is used outside of a call");
      else if (current.pending.size >= maxPendingCalls) refuse(`more than ${maxPendingCalls} calls are pending`);
      else if (payload.length > this.limits.outputBytes) refuse(`a call's payload is larger than ${limitSettings.outputBytes}`);
      else {
        const callId = ++nextCallId;
        current.pending.set(callId, deferred);
        this.post({ type: "host", runId: current.id, callId, op, payload });
      }
      return deferred.handle;
    });
    const log = vm.newFunction("log", (textHandle) => {
      const current = this.current;
      if (current && current.logLines < maxLogLines) {
        current.logLines += 1;
        this.post({ type: "log", runId: current.id, line: vm.getString(textHandle).slice(0, maxLogChars) });
      }
    });
    vm.setProp(host, "call", call);
    vm.setProp(host, "log", log);
    vm.setProp(vm.global, "__switchyard_host", host);
    call.dispose();
    log.dispose();
    host.dispose();
  }

  /** Answers a host call of the current call. */
  reply(callId: number, outcome: { ok: true; value: string } | { ok: false; message: string }): void {
    const deferred = this.current?.pending.get(callId);
    if (!deferred) return;
    this.current?.pending.delete(callId);
    const value = outcome.ok ? this.vm.newString(outcome.value) : this.vm.newError(outcome.message);
    if (outcome.ok) deferred.resolve(value);
    else deferred.reject(value);
    value.dispose();
    deferred.dispose();
    this.pump();
  }

  /** Calls one of the prelude's entry points with text arguments; answers its text result. */
  async invoke(entry: string, args: string[], call: Call): Promise<string> {
    this.current = call;
    this.cpuUsed = 0;
    this.interrupted = undefined;
    try {
      const fn = this.vm.getProp(this.vm.global, entry);
      const handles = args.map((arg) => this.vm.newString(arg));
      const result = this.timed(() => this.vm.callFunction(fn, this.vm.undefined, ...handles));
      fn.dispose();
      for (const handle of handles) handle.dispose();
      if (result.error) throw new Stopped(this.failureOf(result.error));
      const settled = this.vm.resolvePromise(result.value);
      result.value.dispose();
      this.pump();
      const outcome = await Promise.race([settled, call.stopped]);
      if (outcome.error) throw new Stopped(this.failureOf(outcome.error));
      const length = this.vm.getProp(outcome.value, "length");
      const size = this.vm.getNumber(length);
      length.dispose();
      if (size > this.limits.outputBytes) {
        outcome.value.dispose();
        throw new Stopped({
          kind: "limit",
          setting: limitSettings.outputBytes,
          message: `the wrapper's result is larger than ${this.limits.outputBytes} bytes (${limitSettings.outputBytes})`,
        });
      }
      const text = this.vm.getString(outcome.value);
      outcome.value.dispose();
      return text;
    } finally {
      for (const deferred of call.pending.values()) deferred.dispose();
      call.pending.clear();
      this.current = undefined;
    }
  }

  /** Stops the current call at the next interrupt check (the code is running) or at once (it waits). */
  stop(failure: SandboxFailure): void {
    this.interrupted = failure;
    this.broken = true;
    this.current?.stop(failure);
  }

  /** A sound sandbox is torn down; a broken one (stopped mid-call, objects still alive) is dropped with its instance. */
  dispose(): void {
    if (this.broken) return;
    try {
      this.vm.dispose();
      this.runtime.dispose();
    } catch {
      // Its instance goes with it.
    }
  }
}
