import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "@switchyard/local";
import { requestJson, startSystem, type TestSystem } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { greetYaml } from "./helpers.ts";

// The `switchyard` CLI as a user runs it: a child process against a running system.
const work = mkdtempSync(join(tmpdir(), "switchyard-cli-"));
const bin = join(repoRoot, "cli", "bin", "switchyard.js");
let system: TestSystem;

beforeAll(async () => {
  system = await startSystem();
  writeFileSync(join(work, "greet.yaml"), greetYaml());
  writeFileSync(
    join(work, "compare.yaml"),
    [
      "name: compare",
      "inputs: { files: { type: files }, query: { type: string } }",
      "components:",
      '  answer: { type: template, template: "{{query}}:{{#files}} [{{name}} {{text}}]{{/files}}" }',
      "outputs: { text: answer.text }",
    ].join("\n"),
  );
  writeFileSync(join(work, "a.txt"), "alpha");
  mkdirSync(join(work, "docs"));
  writeFileSync(join(work, "docs", "b.md"), "beta");
});
afterAll(async () => {
  await system?.stop();
  rmSync(work, { recursive: true, force: true });
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with the system's URL and admin key in its environment (as a user exports them). */
function cli(args: string[], env: Record<string, string> = {}, input?: string): Promise<Ran> {
  const base = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    SWITCHYARD_URL: system.url(),
    SWITCHYARD_API_KEY: system.adminKey,
  };
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { cwd: work, env: { ...base, ...env } }, (error, stdout, stderr) => {
      const code = error && typeof error.code === "number" ? error.code : error ? 1 : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(input ?? "");
  });
}

describe("the switchyard CLI", () => {
  it("deploys a file, refuses a second deploy without --overwrite in one line, and lists what is deployed", async () => {
    expect(await cli(["deploy", "greet.yaml"])).toMatchObject({ code: 0, stdout: "deployed hello\n" });
    const again = await cli(["deploy", "greet.yaml"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^switchyard: 409 \(conflict\): .+\n$/);
    expect((await cli(["deploy", "greet.yaml", "--overwrite"])).code).toBe(0);
    const status = await cli(["status", "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ pipelines: expect.arrayContaining(["hello"]) });
    expect((await cli(["status"])).stdout).toContain("hello");
  });

  it("runs with Hayhooks' --param syntax, and uploads --file and --dir as a multipart run", async () => {
    const ran = await cli(["run", "hello", "--param", 'name="Ada"', "--json"]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ result: { text: "Hello, Ada x1" } });
    expect((await cli(["deploy", "compare.yaml"])).code).toBe(0);
    const uploaded = await cli(["run", "compare", "--param", 'query="Compare"', "--file", "a.txt", "--dir", "docs"]);
    expect(uploaded.code, uploaded.stderr).toBe(0);
    expect(JSON.parse(uploaded.stdout)).toEqual({ text: "Compare: [a.txt alpha] [b.md beta]" });
    const missing = await cli(["run", "hello", "--param", "nom=1"]);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringMatching(/^switchyard: 422 \(invalid_input\): unknown input 'nom'/) });
  });

  it("deploys the example code pipeline as a directory and runs it", async () => {
    const deployed = await cli(["deploy", join(repoRoot, "examples", "asker"), "--overwrite"]);
    expect(deployed, deployed.stderr).toMatchObject({ code: 0, stdout: "deployed asker\n" });
    const ran = await cli(["run", "asker", "--param", 'question="is it there"', "--param", "times=2", "--json"]);
    expect(ran.code, ran.stderr).toBe(0);
    // The echo model (no upstream configured) answers with the question.
    expect(JSON.parse(ran.stdout)).toEqual({ result: "is it thereis it there" });
    const chatted = await cli(["chat", "asker"], {}, "hello\n");
    expect(chatted).toMatchObject({ code: 0, stdout: "hello\n" });
  });

  it("lists, shows and cancels background executions", async () => {
    const submitted = await requestJson(`${system.url()}/v1/pipelines/hello/runs`, { body: { name: "Later" } });
    expect(submitted.status).toBe(202);
    const id = (submitted.body as { id: string }).id;
    await expect.poll(async () => (await cli(["executions", "list"])).stdout, { timeout: 20_000 }).toContain(id);
    const shown = await cli(["executions", "show", id, "--json"]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id, name: "hello" });
    const cancel = await cli(["executions", "cancel", id]);
    // Done already (a template pipeline is quick) or cancelled now: either way one clear answer.
    expect([0, 1]).toContain(cancel.code);
    if (cancel.code === 1) expect(cancel.stderr).toMatch(/^switchyard: 409/);
  });

  it("undeploys, and exits 2 on bad usage, 3 when the gateway is unreachable, 1 without a key", async () => {
    expect((await cli(["undeploy", "compare"])).code).toBe(0);
    expect((await cli(["frobnicate"])).code).toBe(2);
    expect((await cli(["run"])).stderr).toBe("switchyard: run needs a NAME\n");
    expect((await cli(["--help"])).stdout).toContain("Exit codes");
    const away = await cli(["status"], { SWITCHYARD_URL: "http://127.0.0.1:9" });
    expect(away.code).toBe(3);
    expect(away.stderr).toMatch(/^switchyard: cannot reach http:\/\/127\.0\.0\.1:9/);
    const keyless = await cli(["status"], { SWITCHYARD_API_KEY: "" });
    expect(keyless).toMatchObject({ code: 1, stderr: expect.stringMatching(/^switchyard: 401 \(unauthorized\)/) });
  });

  it("manages keys and credentials for an admin, reading a secret from stdin and never echoing it", async () => {
    const created = await cli(["keys", "create", "cli-made", "--role", "read", "--json"]);
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; secret: string };
    expect((await cli(["keys", "list"])).stdout).toContain(key.id);
    // The new key works as the CLI's key, and its role limits it.
    expect((await cli(["status"], { SWITCHYARD_API_KEY: key.secret })).code).toBe(0);
    expect((await cli(["keys", "list"], { SWITCHYARD_API_KEY: key.secret })).stderr).toMatch(/^switchyard: 403/);
    expect((await cli(["keys", "revoke", key.id])).code).toBe(0);
    const secret = `cli-secret-${Date.now()}`;
    const stored = await cli(["credentials", "set", "cli-token"], {}, `${secret}\n`);
    expect(stored, stored.stderr).toMatchObject({ code: 0, stdout: "stored cli-token\n" });
    const listed = await cli(["credentials", "list"]);
    expect(listed.stdout).toContain("cli-token");
    expect(listed.stdout).not.toContain(secret);
    expect((await cli(["credentials", "set", "empty"], {}, "")).code).toBe(2);
    expect((await cli(["credentials", "delete", "cli-token"])).code).toBe(0);
  });
});
