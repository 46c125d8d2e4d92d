import { type ChildProcess, spawn } from "node:child_process";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { findExecutable } from "./sandbox.ts";

/** Stderr kept per server: enough for a stack trace, bounded whatever the server prints. */
export const stderrLimit = 16 * 1024;

export interface StdioLaunch {
  command: string;
  args: readonly string[];
  /** The child's whole environment: nothing else is inherited. */
  env: Record<string, string>;
  cwd: string;
  /**
   * Spawned as `[...prefix, command, ...args]` when set: `prlimit --as=… --` sets its own limits and execs the command
   * (found on `env.PATH`, as spawn would), so the server keeps the pid, the process group and the limits.
   */
  prefix?: readonly string[];
  /** Masks secrets this launch put in the environment out of what is reported of its stderr. */
  redact?: (text: string) => string;
}

// Servers run in their own process groups, which outlive the service unless it stops them.
// A crash still runs 'exit' listeners, so the last thing the service does is end them.
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const group of liveGroups) signalGroup(group, "SIGKILL");
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * An MCP transport over a child process's stdin/stdout. The SDK's StdioClientTransport
 * merges part of the parent's environment (USER, SHELL, TERM, …) into the child's and
 * drops the exit status, and the service needs both the exact environment and the exit
 * status, so this one spawns itself, reusing the SDK's framing. Never through a shell;
 * in its own process group, so stopping a server stops what it spawned (npx → node).
 */
export class ChildProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child: ChildProcess | undefined;
  private readonly buffer = new ReadBuffer();
  private stderr = "";
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private spawnError: Error | undefined;
  private readonly exited: Promise<void>;
  private markExited: () => void = () => {};

  constructor(private readonly launch: StdioLaunch) {
    this.exited = new Promise((resolve) => {
      this.markExited = resolve;
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    if (this.child) throw new Error("already started");
    return new Promise((resolve, reject) => {
      const { command, args, prefix = [] } = this.launch;
      const [runner, ...runnerArgs] = prefix;
      // Through a runner, a missing command would only show as the runner's exit: reported as spawn would report it.
      if (runner !== undefined && !findExecutable(command, this.launch.env.PATH, this.launch.cwd)) {
        const error = Object.assign(new Error(`spawn ${command} ENOENT (no such executable on ${this.launch.env.PATH ?? "no PATH"})`), {
          code: "ENOENT",
        });
        this.spawnError = error;
        reject(error);
        return;
      }
      const spawnOptions = { env: this.launch.env, cwd: this.launch.cwd, stdio: "pipe", shell: false, detached: true } as const;
      const child =
        runner === undefined ? spawn(command, [...args], spawnOptions) : spawn(runner, [...runnerArgs, command, ...args], spawnOptions);
      this.child = child;
      child.once("spawn", () => {
        if (child.pid) trackGroup(child.pid);
        resolve();
      });
      child.on("error", (error) => {
        if (!child.pid) this.spawnError ??= error;
        reject(error);
        this.onerror?.(error);
      });
      child.once("close", (code, signal) => {
        if (child.pid) liveGroups.delete(child.pid);
        this.exit = { code, signal };
        this.markExited();
        this.onclose?.();
      });
      child.stdout?.on("data", (chunk: Buffer) => this.read(chunk));
      child.stdout?.on("error", (error) => this.onerror?.(error));
      child.stderr?.on("data", (chunk: Buffer) => {
        this.stderr = (this.stderr + chunk.toString("utf8")).slice(-stderrLimit);
      });
      // A child that dies mid-write must not crash the service with EPIPE.
      child.stdin?.on("error", (error) => this.onerror?.(error));
    });
  }

  private read(chunk: Buffer): void {
    try {
      this.buffer.append(chunk);
    } catch (error) {
      // Past the SDK's line limit: the stream can't be trusted any more.
      this.onerror?.(asError(error));
      void this.close();
      return;
    }
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.buffer.readMessage();
      } catch (error) {
        // One bad line (a stray console.log) is dropped; the next may be fine.
        this.onerror?.(asError(error));
        continue;
      }
      if (message === null) return;
      this.onmessage?.(message);
    }
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || this.exit) return Promise.reject(new Error("the server process is not running"));
    return new Promise((resolve) => {
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once("drain", resolve);
    });
  }

  /** SIGTERM to the process group, SIGKILL after a grace period; resolves once it exited. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child?.pid || this.exit || this.spawnError) return;
    child.stdin?.end();
    signalGroup(child.pid, "SIGTERM");
    const pid = child.pid;
    const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), 2000);
    // Pipes held open by a process that left the group must not hang a stop.
    await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    clearTimeout(timer);
  }

  /** Why the process is gone, with the tail of its stderr; undefined while it runs. */
  describeExit(): string | undefined {
    if (this.spawnError) return `could not start '${this.launch.command}': ${this.spawnError.message}`;
    if (!this.exit) return undefined;
    const status = this.exit.signal ? `was killed by ${this.exit.signal}` : `exited with code ${this.exit.code}`;
    // Masked before the cut, so a secret the 2,000 characters would split is still masked whole.
    const tail = this.stderrTail().trim().slice(-2000);
    return tail ? `process ${status}; stderr: ${tail}` : `process ${status}`;
  }

  /** The last output on stderr (at most 16 KiB), for the log. */
  stderrTail(): string {
    return this.launch.redact ? this.launch.redact(this.stderr) : this.stderr;
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
