import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";

export interface LocalServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A free TCP port on loopback, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
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
