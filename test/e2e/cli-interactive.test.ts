import { execFile, execFileSync } from "node:child_process";
import { repoRoot } from "@switchyard/local";
import { requestJson, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatPipeline, deployAll, upstreamModels } from "./chat-helpers.ts";

// The CLI's interactive commands as a user meets them: `chat` in a real terminal (a tmux pane, a
// pseudo-terminal), and `executions watch` both piped and in a terminal.
const bin = `${repoRoot}/cli/bin/switchyard.js`;
const socket = `switchyard-test-${process.pid}`;
let system: TestSystem;
let upstream: Upstream;

// Every echo answer comes a word each 100 ms, so a long one is still streaming when Ctrl-C comes.
const words = Array.from({ length: 40 }, (_, index) => `w${index}`).join(" ");

beforeAll(async () => {
  upstream = await startUpstream({ paceMs: 100 });
  system = await startSystem({
    env: { SWITCHYARD_MODELS: upstreamModels(upstream.url), EXECUTIONS_MAX_ATTEMPTS: "2", EXECUTIONS_BACKOFF_MS: "100" },
  });
  const agent = ["kind: agent", "name: talker", "model: remote", "instructions: Answer briefly."].join("\n");
  const deployed = await requestJson(`${system.url()}/v1/agents`, { rawBody: agent, headers: { "content-type": "application/yaml" } });
  expect(deployed.status, JSON.stringify(deployed.body)).toBe(201);
  await deployAll(system.url(), { story: chatPipeline("story", "remote"), broken: chatPipeline("broken", "broken") });
});
afterAll(async () => {
  try {
    execFileSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" });
  } catch {
    // No tmux server was left.
  }
  await system?.stop();
  await upstream?.stop();
});

const env = () => ({
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "",
  SWITCHYARD_URL: system.url(),
  SWITCHYARD_API_KEY: system.adminKey,
});

function cli(args: string[], input = ""): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { env: env() }, (error, stdout, stderr) => {
      resolve({ code: error && typeof error.code === "number" ? error.code : error ? 1 : 0, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
/** Starts the CLI in its own tmux session: a 160×40 pseudo-terminal, whose screen stays readable after the CLI exits. */
function terminal(session: string, args: string[]): void {
  const vars = Object.entries(env()).flatMap(([name, value]) => ["-e", `${name}=${value}`]);
  tmux(
    "new-session",
    "-d",
    "-s",
    session,
    "-x",
    "160",
    "-y",
    "40",
    ...vars,
    process.execPath,
    bin,
    ...args,
    ";",
    "set-option",
    "-t",
    session,
    "remain-on-exit",
    "on",
  );
}
const screen = (session: string) => tmux("capture-pane", "-p", "-J", "-t", session);
const alive = (session: string) => tmux("display-message", "-p", "-t", session, "#{pane_dead}").trim() === "0";

describe("switchyard chat", () => {
  it("answers piped lines in turn, streamed, and sends the conversation so far with each", async () => {
    const before = upstream.requests.length;
    const ran = await cli(["chat", "talker"], "hello there\nand again\n");
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toBe("echo: hello there\necho: and again\n");
    const second = upstream.requests.slice(before)[1];
    // The system prompt, the first turn and its answer, then the new line.
    expect(second?.messages).toMatchObject([
      { role: "system" },
      { role: "user", content: "hello there" },
      { role: "assistant", content: "echo: hello there" },
      { role: "user", content: "and again" },
    ]);
  });

  it("streams in a terminal, Ctrl-C stops the answer (and its provider call) but not the session, Ctrl-D leaves", async () => {
    terminal("chat", ["chat", "talker"]);
    await expect.poll(() => screen("chat"), { timeout: 15_000 }).toContain("chat with talker");
    const before = upstream.requests.length;
    tmux("send-keys", "-t", "chat", words, "Enter");
    // Streaming: part of the answer is on the screen, not all of it.
    await expect.poll(() => screen("chat"), { timeout: 10_000 }).toMatch(/echo: w0 w1 w2/);
    const answerEnd = /echo: [^\n]*w39/;
    expect(screen("chat")).not.toMatch(answerEnd);
    tmux("send-keys", "-t", "chat", "C-c");
    await expect.poll(() => screen("chat"), { timeout: 5_000 }).toContain("[cancelled]");
    const cut = upstream.requests[before];
    await expect.poll(() => cut?.socketClosedAt, { timeout: 5_000 }).toBeDefined();
    expect(cut?.answeredAt).toBeUndefined();
    expect(screen("chat")).not.toMatch(answerEnd);

    // The session goes on, and remembers the cut answer as far as it went.
    tmux("send-keys", "-t", "chat", "short one", "Enter");
    // The answer, and the prompt after it (the answer is over).
    await expect.poll(() => screen("chat"), { timeout: 10_000 }).toMatch(/echo: short one\n> /);
    expect(upstream.requests.at(-1)?.messages).toMatchObject([
      { role: "system" },
      { role: "user", content: words },
      { role: "assistant", content: expect.stringMatching(/^echo: w0 w1/) },
      { role: "user", content: "short one" },
    ]);
    // Ctrl-C at the prompt only clears the line.
    tmux("send-keys", "-t", "chat", "half typed", "C-c");
    await expect.poll(() => screen("chat"), { timeout: 5_000 }).toMatch(/> half typed\^C\n> /);
    expect(alive("chat")).toBe(true);
    tmux("send-keys", "-t", "chat", "C-d");
    await expect.poll(() => alive("chat"), { timeout: 5_000 }).toBe(false);
  });

  it("names a model that does not exist in one line, and needs a name", async () => {
    const missing = await cli(["chat", "nobody"], "hi\n");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^switchyard: 404 \(not_found\): .*nobody/);
    expect((await cli(["chat"])).code).toBe(2);
  });
});

describe("switchyard executions watch", () => {
  it("follows a background run piped: each status a line, the text as it streams, the result, exit 0", async () => {
    const ran = await cli(["run", "story", "--param", 'text="once upon"', "--background", "--watch"]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/\d\d:\d\d:\d\d {2}queued\n/);
    expect(ran.stdout).toMatch(/running on \S+, attempt 1\necho: once upon\n/);
    expect(ran.stdout).toMatch(/succeeded/);
    expect(ran.stdout).toContain('"reply": "echo: once upon"');
  });

  it("exits 1 with the error when the run fails, and --json prints each event as a line", async () => {
    const submitted = await cli(["run", "broken", "--param", 'text="x"', "--background"]);
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = submitted.stdout.trim();
    expect(id).toMatch(/^exe_/);
    const watched = await cli(["executions", "watch", id]);
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(/failed.*: /);
    const json = await cli(["executions", "watch", id, "--json"]);
    const events = json.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; status?: string });
    expect(events[0]).toMatchObject({ type: "status", status: "queued" });
    expect(events.at(-1)).toMatchObject({ type: "status", status: "failed" });
    expect((await cli(["executions", "watch", "exe_nothing"])).stderr).toMatch(/^switchyard: 404/);
  });

  it("draws a live progress line in a terminal while the run streams", async () => {
    const submitted = await cli(["run", "story", "--param", `text="${words}"`, "--background"]);
    const id = submitted.stdout.trim();
    terminal("watch", ["executions", "watch", id]);
    await expect.poll(() => screen("watch"), { timeout: 15_000 }).toMatch(/running {2}\d+\.\ds · \d+ deltas · 0 tool calls · …/);
    await expect.poll(() => screen("watch"), { timeout: 15_000 }).toContain('"reply": "echo: w0');
    expect(screen("watch")).toMatch(/succeeded/);
  });
});
