import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { stopChild } from "./processes.ts";

export type ServiceName = "gateway" | "registry" | "executor" | "mcp" | "session";

export interface ServiceProcessOptions {
  service: ServiceName;
  env: Record<string, string>;
  /** Every output line (JSON log lines on stdout, anything on stderr). */
  onLine?(line: string, stream: "stdout" | "stderr"): void;
  readyTimeoutMs?: number;
}

export interface ServiceProcess {
  service: ServiceName;
  child: ChildProcess;
  pid: number;
  /** The fields of the service's `service.ready` log line (ports, for instance). */
  ready: Record<string, unknown>;
  /** The last lines it printed (at most 200). */
  recentLines(): string[];
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** SIGKILL at once, as a crash would. */
  kill(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

const keptLines = 200;

/**
 * Starts a service as its own Node process (TypeScript through tsx, no build step) and
 * resolves when it logs `service.ready`; rejects with its last output if it exits first.
 */
export function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const entry = join(repoRoot, "services", options.service, "src", "main.ts");
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const remember = (line: string) => {
    lines.push(line);
    if (lines.length > keptLines) lines.shift();
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${options.service} was not ready in time:\n${lines.join("\n")}`));
    }, options.readyTimeoutMs ?? 30_000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${options.service} exited (${code ?? signal}) before it was ready:\n${lines.join("\n")}`));
    });
    const watch = (stream: NodeJS.ReadableStream | null, name: "stdout" | "stderr") => {
      if (!stream) return;
      createInterface({ input: stream }).on("line", (line) => {
        remember(line);
        options.onLine?.(line, name);
        if (name !== "stdout" || !line.includes('"service.ready"')) return;
        const fields = parseLine(line);
        if (fields?.event !== "service.ready") return;
        clearTimeout(timer);
        child.removeAllListeners("exit");
        const stop = () => stopChild(child);
        resolve({
          service: options.service,
          child,
          pid: child.pid ?? 0,
          ready: fields,
          recentLines: () => [...lines],
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

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
