import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import { residentBytes } from "@switchyard/testing";

const require = createRequire(import.meta.url);

function clockTicks(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}
const ticksPerSecond = clockTicks();

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

export function cpuSnapshot(pids: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)]));
}

/** CPU ms each process used between two snapshots. */
export function cpuSince(before: Record<string, number>, pids: Record<string, number>): Record<string, number> {
  const after = cpuSnapshot(pids);
  return Object.fromEntries(Object.keys(pids).map((name) => [name, (after[name] ?? 0) - (before[name] ?? 0)]));
}

/** Resident memory in MB, or NaN when the process is gone. */
export async function residentMb(pid: number): Promise<number> {
  return residentBytes(pid).then(
    (bytes) => bytes / 1024 / 1024,
    () => Number.NaN,
  );
}

/** The pid of the nats-server listening on the port of `natsUrl` (read from /proc, for CPU accounting). */
export function natsPid(natsUrl: string): number | undefined {
  const port = new URL(natsUrl).port;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (args[0]?.endsWith("nats-server") && args.includes(port)) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

function firstLine(command: string, args: string[]): string {
  try {
    return (
      execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
        .split("\n")[0]
        ?.trim() ?? ""
    );
  } catch (error) {
    return `unavailable (${error instanceof Error ? error.message : String(error)})`;
  }
}

function packageVersion(specifier: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(specifier), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export interface Environment {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGb: number;
  kernel: string;
  node: string;
  nats: string;
  redis: string;
  portkey: string;
  honoNodeServerForPortkey: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
}

export function environment(): Environment {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  let hono = "unknown";
  try {
    // pnpm puts Portkey's own dependencies beside it: <store>/node_modules/@portkey-ai/gateway → ../../@hono/node-server.
    const portkeyDir = dirname(realpathSync(require.resolve("@portkey-ai/gateway/package.json")));
    const manifest = join(portkeyDir, "..", "..", "@hono", "node-server", "package.json");
    hono = (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
  } catch {
    // Left unknown.
  }
  return {
    date: new Date().toISOString(),
    cpuModel: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    cores: os.availableParallelism(),
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    nats: firstLine("nats-server", ["--version"]),
    redis: firstLine("redis-server", ["--version"]),
    portkey: packageVersion("@portkey-ai/gateway/package.json"),
    honoNodeServerForPortkey: hono,
    loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100),
  };
}
