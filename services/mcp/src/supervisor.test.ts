import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { createLogger } from "@switchyard/telemetry";
import { describe, expect, it } from "vitest";
import { createSupervisor, type ServerState } from "./supervisor.ts";
import { type Launch, LaunchError } from "./transports.ts";

/** The client end of an in-process MCP server, recording whether it was ever started and whether it was closed. */
class TrackedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  started = false;
  closed = false;

  constructor(private readonly inner: InMemoryTransport) {
    inner.onclose = () => this.onclose?.();
    inner.onerror = (error) => this.onerror?.(error);
    inner.onmessage = (message) => this.onmessage?.(message);
  }

  start(): Promise<void> {
    this.started = true;
    return this.inner.start();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.inner.send(message);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.inner.close();
  }
}

/** A real MCP server in process, one per launch, with one tool. */
async function serverLaunch(): Promise<{ launch: Launch; transport: TrackedTransport }> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = new McpServer({ name: "scripted", version: "1.0.0" });
  server.registerTool("hello", { description: "says hello" }, async () => ({ content: [{ type: "text", text: "hello" }] }));
  await server.connect(serverSide);
  const transport = new TrackedTransport(clientSide);
  const launch: Launch = {
    transport,
    describeExit: () => undefined,
    stderrTail: () => "",
    pid: undefined,
    needsPing: false,
    redact: (text) => text,
  };
  return { launch, transport };
}

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** A launch step: "real" connects an in-process server; a function returns a pending launch or throws. */
type Step = "real" | (() => Promise<Launch>);

/** A supervisor over scripted launches: each call takes the next step, the last one repeating. */
function supervised(script: Step[]) {
  const transports: TrackedTransport[] = [];
  const changes: ServerState[] = [];
  let launches = 0;
  const supervisor = createSupervisor({
    id: "scripted",
    logger: createLogger({ service: "mcp-test", level: "silent" }),
    handshakeTimeoutMs: 5000,
    pingIntervalMs: 60_000,
    backoff: { initialMs: 1, maxMs: 5, resetAfterMs: 60_000 },
    launch: () => {
      const next = script[Math.min(launches, script.length - 1)];
      launches += 1;
      if (!next) throw new Error("no script");
      return next === "real" ? real() : next();
    },
    onChange: () => changes.push(supervisor.state()),
  });
  const real = async () => {
    const { launch, transport } = await serverLaunch();
    transports.push(transport);
    return launch;
  };
  const open = () => transports.filter((transport) => transport.started && !transport.closed);
  return { supervisor, transports, changes, open, launches: () => launches };
}

describe("the launch is awaited", () => {
  it("a stop during the await leaves nothing launched", async () => {
    const pending = deferred<Launch>();
    const { supervisor } = supervised([() => pending.promise]);
    const started = supervisor.start();
    await supervisor.stop();
    const { launch, transport } = await serverLaunch();
    pending.resolve(launch);
    await started;
    expect(transport.started).toBe(false);
    expect(transport.closed).toBe(true);
    expect(supervisor.state()).toEqual({ isRunning: false, tools: [] });
    expect(supervisor.client()).toBeUndefined();
  });

  it("a restart during the await drops that launch and connects once", async () => {
    const pending = deferred<Launch>();
    const { supervisor, open, transports } = supervised([() => pending.promise, "real"]);
    const started = supervisor.start();
    const restarted = supervisor.restart();
    await restarted;
    const late = await serverLaunch();
    pending.resolve(late.launch);
    await started;
    expect(late.transport.started).toBe(false);
    expect(late.transport.closed).toBe(true);
    expect(open()).toHaveLength(1);
    expect(transports).toHaveLength(1);
    expect(supervisor.state()).toMatchObject({ isRunning: true, tools: [expect.objectContaining({ name: "hello" })] });
    await supervisor.stop();
    expect(open()).toHaveLength(0);
  });
});

describe("restart", () => {
  it("takes a running server down and up again with a fresh launch, telling subscribers both", async () => {
    const { supervisor, transports, changes, open, launches } = supervised(["real"]);
    await supervisor.start();
    expect(supervisor.state().isRunning).toBe(true);
    const first = transports[0];
    changes.length = 0;
    await supervisor.restart();
    expect(launches()).toBe(2);
    expect(first?.closed).toBe(true);
    expect(open()).toEqual([transports[1]]);
    expect(changes.map((change) => change.isRunning)).toEqual([false, true]);
    expect(supervisor.client()).toBeDefined();
    await supervisor.stop();
  });

  it("run several at once, leaves exactly one connection", async () => {
    const { supervisor, open } = supervised(["real"]);
    await supervisor.start();
    await Promise.all([supervisor.restart(), supervisor.restart(), supervisor.restart()]);
    expect(open()).toHaveLength(1);
    expect(supervisor.state().isRunning).toBe(true);
    await supervisor.stop();
    expect(open()).toHaveLength(0);
  });

  it("after a stop does nothing", async () => {
    const { supervisor, launches, open } = supervised(["real"]);
    await supervisor.start();
    await supervisor.stop();
    await supervisor.restart();
    expect(launches()).toBe(1);
    expect(open()).toHaveLength(0);
  });
});

describe("launch failures", () => {
  it("a retryable one (a missing credential) is tried again with backoff until the launch works", async () => {
    const missing = async (): Promise<Launch> => {
      throw new LaunchError("missing credential demo in the credentials store", true);
    };
    const { supervisor, launches } = supervised([missing, missing, "real"]);
    await supervisor.start();
    expect(supervisor.state()).toEqual({ isRunning: false, tools: [], lastError: "missing credential demo in the credentials store" });
    await expect.poll(() => supervisor.state().isRunning).toBe(true);
    expect(launches()).toBe(3);
    expect(supervisor.state().lastError).toBeUndefined();
    await supervisor.stop();
  });

  it("one retrying can't fix waits: a restart tries again", async () => {
    const unset = async (): Promise<Launch> => {
      throw new LaunchError("missing environment variable NOT_SET in the mcp service's environment");
    };
    const { supervisor, launches } = supervised([unset, "real"]);
    await supervisor.start();
    expect(supervisor.state().lastError).toContain("NOT_SET");
    await supervisor.restart();
    expect(launches()).toBe(2);
    expect(supervisor.state()).toMatchObject({ isRunning: true });
    await supervisor.stop();
  });
});
