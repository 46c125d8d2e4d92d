import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "@switchyard/local";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
let child: ChildProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), "switchyard-start-"));

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * The PATH without the directories that hold a pnpm but no node (npx's, when the tests themselves run through
 * it): `npm start` must find its pnpm by itself. A pnpm installed beside node stays (it is the pinned one, or
 * the launcher passes it over).
 */
const pathWithoutPnpm = (process.env.PATH ?? "")
  .split(":")
  .filter((dir) => !existsSync(join(dir, "pnpm")) || existsSync(join(dir, "node")))
  .join(":");

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Splits the printed curl line into arguments as a shell would: words, single-quoted strings
 * as they are, double-quoted strings with `$NAME` replaced from `variables`.
 */
function curlArguments(line: string, variables: Record<string, string>): string[] {
  const words = line.trim().match(/'[^']*'|"[^"]*"|\S+/g) ?? [];
  return words.slice(1).map((word) => {
    if (word.startsWith("'")) return word.slice(1, -1);
    const expanded = word.replace(/\$([A-Z_]+)/g, (_match, name: string) => variables[name] ?? "");
    return expanded.startsWith('"') ? expanded.slice(1, -1) : expanded;
  });
}

describe("npm start (the README's quick start)", () => {
  it("starts the whole system, prints an admin key and a curl line that works with it, and stops cleanly on Ctrl-C", async () => {
    // No NATS_URL or REDIS_URL: the embedded default starts its own on free ports.
    const env = { PATH: pathWithoutPnpm, HOME: process.env.HOME ?? "", GATEWAY_PORT: "0", SWITCHYARD_DATA_DIR: dataDir };
    const started = spawn("npm", ["start"], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    child = started;
    let output = "";
    started.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    started.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    await expect.poll(() => output, { timeout: 60_000, interval: 200 }).toMatch(/Ctrl-C stops everything/);

    const curlLine = output.split("\n").find((line) => line.trim().startsWith("curl "));
    expect(curlLine, output).toBeDefined();
    // The banner's `export` line, as a user would paste it.
    const key = /export SWITCHYARD_API_KEY=(\S+)/.exec(output)?.[1];
    expect(key, output).toMatch(/^sy-[0-9A-Za-z]{32}$/);
    const { stdout } = await run("curl", [...curlArguments(curlLine ?? "", { SWITCHYARD_API_KEY: key ?? "" }), "--fail-with-body"]);
    expect(JSON.parse(stdout)).toEqual({ result: { greeting: "Hello, Ada!", card: "[Hello, Ada!] sent to Ada" } });
    // Secure by default: the same line without the key is refused.
    const refused = await run("curl", [...curlArguments(curlLine ?? "", {}), "-w", "%{http_code}", "-o", "/dev/null"]);
    expect(refused.stdout).toBe("401");

    // A crashed service is restarted with backoff, and the rest stays up.
    const { stdout: table } = await run("ps", ["-eo", "pid=,pgid=,args="]);
    const executor = table
      .split("\n")
      .map((line) => line.trim().split(/\s+/))
      .find(([, group, ...args]) => Number(group) === started.pid && args.join(" ").includes("services/executor/dist/main.js"));
    expect(executor, table).toBeDefined();
    process.kill(Number(executor?.[0]), "SIGKILL");
    await expect.poll(() => output, { timeout: 30_000 }).toMatch(/executor restarted \(pid \d+\)/);
    expect(output).toMatch(/executor exited unexpectedly \(SIGKILL\)/);
    const again = await run("curl", [...curlArguments(curlLine ?? "", { SWITCHYARD_API_KEY: key ?? "" }), "--fail-with-body"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ result: { greeting: "Hello, Ada!" } });

    // A code pipeline runs in the built services too: the registry and the executor start the bundled sandbox worker.
    const base = /http:\/\/127\.0\.0\.1:\d+/.exec(curlLine ?? "")?.[0] ?? "";
    const headers = { "content-type": "application/json", "x-api-key": key ?? "" };
    const wrapper = "export const inputs = { name: { type: 'string' } };\nexport const runApi = (i: { name: string }) => 'Hi, ' + i.name;";
    const deployed = await fetch(`${base}/deploy_files`, {
      method: "POST",
      headers,
      body: JSON.stringify({ name: "hi", files: { "pipeline_wrapper.ts": wrapper } }),
    });
    expect(deployed.status, await deployed.clone().text()).toBe(200);
    const ran = await fetch(`${base}/hi/run`, { method: "POST", headers, body: JSON.stringify({ name: "Ada" }) });
    expect(await ran.json()).toEqual({ result: "Hi, Ada" });

    // Ctrl-C in a terminal signals the whole foreground process group (npm, pnpm, the launcher, the services).
    process.kill(-(started.pid ?? 0), "SIGINT");
    await expect.poll(() => output, { timeout: 20_000 }).toMatch(/system\s+stopped/);
    expect(output.split("executor restarted")[1]).not.toMatch(/exited unexpectedly/);
    // Nothing it started is left listening: not the gateway, not NATS, not Redis.
    const ports = [...output.matchAll(/(?:nats|redis|http):\/\/127\.0\.0\.1:(\d+)/g)].map((match) => Number(match[1]));
    expect(new Set(ports).size).toBeGreaterThanOrEqual(3);
    for (const port of new Set(ports)) await expect.poll(() => listening(port), { timeout: 10_000 }).toBe(false);
  });
});
