import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

export interface LocalServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Binds `port` (0: the kernel chooses) on loopback and lets it go; resolves with the port, or undefined if taken. */
function tryPort(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/** The first port the kernel hands out by itself (to a bind on port 0, or an outgoing connection). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(low) ? low : 32768;
  } catch {
    return 32768;
  }
}

/** Ports chosen here and not handed out again by this process. */
const chosen = new Set<number>();

/**
 * A free TCP port on loopback for a server that binds it later (a service's gRPC address, a test's NATS): taken
 * at random from the 12,000 ports just below the kernel's ephemeral range, which the kernel never assigns by
 * itself, so no process binding port 0 (every service's metrics server) or connecting out can take it between
 * now and the bind. Falls back to a port the kernel chooses when that range is not there.
 */
export async function freePort(): Promise<number> {
  const high = ephemeralLow();
  const low = Math.max(1024, high - 12_000);
  for (let attempt = 0; high - low > 1000 && attempt < 50; attempt += 1) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (chosen.has(port)) continue;
    if ((await tryPort(port)) === port) {
      chosen.add(port);
      return port;
    }
  }
  const port = await tryPort(0);
  if (port === undefined) throw new Error("no free port on 127.0.0.1");
  return port;
}

/**
 * Spawns a binary (never through a shell) in its own process group, so a terminal's Ctrl-C
 * reaches only its owner, which stops it last; resolves once `ready` says so, or rejects.
 */
export async function spawnUntilReady(
  command: string,
  args: string[],
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4096);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once("error", (error) => reject(new Error(`${command} could not start: ${error.message}`)));
    child.once("exit", (code) => reject(new Error(`${command} exited with ${code}: ${stderr.trim()}`)));
  });
  exited.catch(() => {});
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const result = await Promise.race([ready().then((ok) => (ok ? "ready" : "wait")), exited]);
    if (result === "ready") return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`${command} did not become ready in ${timeoutMs} ms: ${stderr.trim()}`);
}

/** Stops a child with SIGTERM, then SIGKILL after a grace period. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

/** True when the binary is on the PATH and runs (`<binary> --version`), never through a shell. */
export function binaryAvailable(binary: string): boolean {
  return !spawnSync(binary, ["--version"], { stdio: "ignore" }).error;
}
