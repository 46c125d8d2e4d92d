import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@switchyard/telemetry";
import { afterAll, describe, expect, it } from "vitest";
import { createWorkdir, findExecutable, hardLimits, limitPrefix } from "./sandbox.ts";
import { childEnvironment } from "./security.ts";
import { ChildProcessTransport } from "./stdio-transport.ts";

const work = mkdtempSync(join(tmpdir(), "switchyard-sandbox-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function capturingLogger() {
  const lines: string[] = [];
  const logger = createLogger({ service: "mcp-test", level: "debug", destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines };
}

const limits = { addressSpaceBytes: 2 * 1024 ** 3, openFiles: 1024, processes: 4096 };
const servicePath = process.env.PATH;
const hasPrlimit = findExecutable("prlimit", servicePath, "/") !== undefined;

/** Fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, session. */
function stat(pid: number): { pgrp: number; session: number } {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  const [, , pgrp, session] = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { pgrp: Number(pgrp), session: Number(session) };
}

/** Running: neither gone nor a zombie (an orphan is reaped whenever the machine's init gets to it). */
function alive(pid: number): boolean {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2, text.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

describe("resource limits", () => {
  it("reads hard limits from /proc/<pid>/limits", () => {
    const text = [
      "Limit                     Soft Limit           Hard Limit           Units     ",
      "Max processes             96364                96364                processes ",
      "Max open files            1024                 524288               files     ",
      "Max address space         unlimited            unlimited            bytes     ",
    ].join("\n");
    expect(hardLimits(text)).toEqual({ processes: 96364, openFiles: 524288 });
  });

  it("says once that prlimit is missing and spawns without it", () => {
    const { logger, lines } = capturingLogger();
    expect(limitPrefix(limits, "/nonexistent", logger)).toBeUndefined();
    expect(lines.filter((line) => line.includes('"mcp.limits.unavailable"'))).toHaveLength(1);
    expect(limitPrefix({ addressSpaceBytes: 0, openFiles: 0, processes: 0 }, servicePath, logger)).toBeUndefined();
  });

  it.skipIf(!hasPrlimit)("runs a server through prlimit: its own group and session, its limits, only its environment", async () => {
    const { logger } = capturingLogger();
    const prefix = limitPrefix(limits, servicePath, logger);
    expect(prefix?.slice(1)).toEqual([`--as=${2 * 1024 ** 3}`, "--nofile=1024", "--nproc=4096", "--"]);
    const directory = await createWorkdir(work, "runtime-limits").path();
    const pids = join(work, "tree.pids");
    // A server that starts a child of its own, then waits: both must go when the transport closes.
    const script = join(work, "tree.mjs");
    writeFileSync(
      script,
      [
        'import { spawn } from "node:child_process";',
        'import { writeFileSync } from "node:fs";',
        'const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });',
        `writeFileSync(${JSON.stringify(pids)}, process.pid + " " + child.pid);`,
        "process.stdin.resume();",
      ].join("\n"),
    );
    const transport = new ChildProcessTransport({
      command: process.execPath,
      args: [script],
      env: childEnvironment({ PLAIN: "plain" }, directory),
      cwd: directory,
      ...(prefix ? { prefix } : {}),
    });
    await transport.start();
    const pid = transport.pid ?? 0;
    await expect.poll(() => existsSync(pids) && readFileSync(pids, "utf8").includes(" "), { timeout: 20_000 }).toBe(true);
    const [server, grandchild] = readFileSync(pids, "utf8").split(" ").map(Number);
    // prlimit execs the command: the pid spawned is the server's.
    expect(server).toBe(pid);
    expect(stat(pid)).toEqual({ pgrp: pid, session: pid });
    expect(stat(grandchild ?? 0).pgrp).toBe(pid);
    const procLimits = readFileSync(`/proc/${pid}/limits`, "utf8");
    expect(procLimits).toMatch(new RegExp(`Max address space\\s+${2 * 1024 ** 3}\\s+${2 * 1024 ** 3}\\s+bytes`));
    expect(procLimits).toMatch(/Max open files\s+1024\s+1024\s+files/);
    expect(procLimits).toMatch(/Max processes\s+4096\s+4096\s+processes/);
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean).sort();
    expect(environ).toEqual([`HOME=${directory}`, "PATH=/usr/local/bin:/usr/bin:/bin", "PLAIN=plain"]);
    await transport.close();
    expect(alive(pid)).toBe(false);
    await expect.poll(() => alive(grandchild ?? 0), { timeout: 10_000 }).toBe(false);
  });

  it.skipIf(!hasPrlimit)("reports a command that is not on the servers' PATH as spawn would, without starting prlimit", async () => {
    const { logger } = capturingLogger();
    const prefix = limitPrefix(limits, servicePath, logger) ?? [];
    const transport = new ChildProcessTransport({
      command: "no-such-mcp-server",
      args: [],
      env: childEnvironment({}, work),
      cwd: work,
      prefix,
    });
    await expect(transport.start()).rejects.toMatchObject({ code: "ENOENT" });
    expect(transport.pid).toBeUndefined();
    expect(transport.describeExit()).toMatch(/^could not start 'no-such-mcp-server': spawn no-such-mcp-server ENOENT/);
  });
});

describe("server directories", () => {
  it("makes a fresh directory per server on first use, keeps it across launches, and removes it", async () => {
    const first = createWorkdir(work, "runtime-a");
    const second = createWorkdir(work, "runtime-a");
    const path = await first.path();
    expect(await first.path()).toBe(path);
    expect(await second.path()).not.toBe(path);
    expect(path.startsWith(join(work, "runtime-a-"))).toBe(true);
    writeFileSync(join(path, "state"), "x");
    await first.remove();
    expect(existsSync(path)).toBe(false);
    await expect(first.path()).rejects.toThrow("stopped");
    await second.remove();
  });

  it("finds executables as exec would", () => {
    expect(findExecutable("sh", "/nonexistent:/bin:/usr/bin", "/")).toMatch(/\/sh$/);
    expect(findExecutable("no-such-program", "/bin:/usr/bin", "/")).toBeUndefined();
    expect(findExecutable(process.execPath, "", "/")).toBe(process.execPath);
    expect(findExecutable("./nothing-here", "/bin", work)).toBeUndefined();
  });
});
