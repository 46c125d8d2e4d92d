import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseJsonOrUndefined, type ServiceName, ServiceReady } from "@switchyard/contracts";
import { stopChild } from "./processes.ts";

export interface ServiceProcessOptions {
  service: ServiceName;
  /** The child's whole environment (PATH and HOME included): nothing else is inherited. */
  env: Record<string, string>;
  /** Every output line (JSON log lines on stdout, anything on stderr). */
  onLine?(line: string, stream: "stdout" | "stderr"): void;
  readyTimeoutMs?: number;
  /** Run the built bundle (`pnpm build`: services/<name>/dist/main.js) instead of the TypeScript source through tsx. */
  compiled?: boolean;
}

export interface ServiceProcess {
  service: ServiceName;
  child: ChildProcess;
  pid: number;
  /** The service's `service.ready` event (ports, instance, models). */
  ready: ServiceReady;
  /** The last lines it printed (at most 5,000). */
  recentLines(): string[];
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** SIGKILL at once, as a crash would. */
  kill(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Lines kept per process, for failure messages and tests that read a service's log. */
const keptLines = 5000;
/** Lines a start failure quotes. */
const failureLines = 200;

/** How a service is started: its built bundle with plain Node, or its source through tsx. */
export function serviceCommand(service: ServiceName, compiled: boolean): string[] {
  if (!compiled) return ["--import", "tsx", join(repoRoot, "services", service, "src", "main.ts")];
  const bundle = join(repoRoot, "services", service, "dist", "main.js");
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`pnpm build\` first`);
  return [bundle];
}

/**
 * Starts a service as its own Node process (its source through tsx, or its built bundle) and
 * resolves when it logs its `service.ready` event; rejects with its last output if it exits first.
 */
export function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const args = serviceCommand(options.service, options.compiled === true);
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const remember = (line: string) => {
    lines.push(line);
    // Trimmed in batches, so a chatty service costs no copy of the whole list per line.
    if (lines.length >= 2 * keptLines) lines.splice(0, lines.length - keptLines);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${options.service} was not ready in time:\n${lines.slice(-failureLines).join("\n")}`));
    }, options.readyTimeoutMs ?? 30_000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${options.service} exited (${code ?? signal}) before it was ready:\n${lines.slice(-failureLines).join("\n")}`));
    });
    const watch = (stream: NodeJS.ReadableStream | null, name: "stdout" | "stderr") => {
      if (!stream) return;
      createInterface({ input: stream }).on("line", (line) => {
        remember(line);
        options.onLine?.(line, name);
        if (name !== "stdout" || !line.includes('"service.ready"')) return;
        const ready = parseJsonOrUndefined(ServiceReady, line);
        if (!ready) return;
        clearTimeout(timer);
        child.removeAllListeners("exit");
        const stop = () => stopChild(child);
        resolve({
          service: options.service,
          child,
          pid: child.pid ?? 0,
          ready,
          recentLines: () => lines.slice(-keptLines),
          stop,
          kill: async () => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            const exited = new Promise((done) => child.once("exit", done));
            child.kill("SIGKILL");
            await exited;
          },
          [Symbol.asyncDispose]: stop,
        });
      });
    };
    watch(child.stdout, "stdout");
    watch(child.stderr, "stderr");
  });
}
