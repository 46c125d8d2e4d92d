import { type Message, Role, type StreamResponse, type Task, TaskState } from "@a2a-js/sdk";
import { type Client, ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory } from "@a2a-js/sdk/client";
import { apiKeyHeaders, requestJson, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upstreamModels } from "./chat-helpers.ts";

// A2A 1.0 through the official @a2a-js/sdk client, and v0.3 JSON-RPC as older clients send it.
let system: TestSystem;
let upstream: Upstream;

const authFetch: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  for (const [name, value] of Object.entries(apiKeyHeaders())) headers.set(name, value);
  return fetch(input, { ...init, headers });
};
const factory = new ClientFactory({
  transports: [new JsonRpcTransportFactory({ fetchImpl: authFetch })],
  cardResolver: new DefaultAgentCardResolver({ fetchImpl: authFetch }),
});
const clientOf = (agent: string, gateway = 0): Promise<Client> => factory.createFromUrl(`${system.url(gateway)}/a2a/${agent}/`);

let counter = 0;
function userMessage(text: string, contextId = ""): Message {
  counter += 1;
  return {
    messageId: `msg-${process.pid}-${counter}`,
    contextId,
    taskId: "",
    role: Role.ROLE_USER,
    parts: [{ content: { $case: "text", value: text }, metadata: undefined, filename: "", mediaType: "text/plain" }],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}
const send = (message: Message, returnImmediately = false) => ({
  tenant: "",
  message,
  configuration: { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately },
  metadata: undefined,
});
const asTask = (result: Message | Task): Task => {
  if (!("status" in result)) throw new Error(`a message, not a task: ${JSON.stringify(result)}`);
  return result;
};
const textOf = (task: Task) =>
  task.artifacts
    .flatMap((artifact) => artifact.parts)
    .map((part) => (part.content?.$case === "text" ? part.content.value : ""))
    .join("");

async function settledTask(client: Client, id: string, timeoutMs = 30_000): Promise<Task> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = await client.getTask({ tenant: "", id, historyLength: undefined });
    const state = task.status?.state;
    if (state === TaskState.TASK_STATE_COMPLETED || state === TaskState.TASK_STATE_FAILED || state === TaskState.TASK_STATE_CANCELED) {
      return task;
    }
    if (Date.now() > deadline) throw new Error(`task ${id} still ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  upstream = await startUpstream({ slowMs: 2500 });
  system = await startSystem({
    gateways: 2,
    executors: 2,
    withSessions: true,
    env: { SWITCHYARD_MODELS: upstreamModels(upstream.url), EXECUTIONS_ACK_WAIT_MS: "2000", EXECUTIONS_BACKOFF_MS: "100" },
  });
  for (const [name, model] of [
    ["a2a-echo", "remote"],
    ["a2a-paced", "paced"],
    ["a2a-slow", "slow"],
  ]) {
    const source = `name: ${name}\ndescription: The ${name} agent.\nmodel: ${model}\ninstructions: Answer.\nmemory: session\n`;
    const deployed = await requestJson(`${system.url()}/v1/agents`, { rawBody: source, headers: { "content-type": "application/yaml" } });
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(201);
  }
}, 120_000);
afterAll(async () => {
  await system?.stop();
  await upstream?.stop();
});

describe("A2A", () => {
  it("serves each agent's card under its base URL (1.0 when asked, v0.3 without the header), and a list", async () => {
    const client = await clientOf("a2a-echo");
    const card = await client.getAgentCard();
    expect(card).toMatchObject({ name: "a2a-echo", description: "The a2a-echo agent.", capabilities: { streaming: true } });
    expect(card.supportedInterfaces.map((face) => [face.protocolBinding, face.protocolVersion])).toEqual([
      ["JSONRPC", "1.0"],
      ["JSONRPC", "0.3"],
    ]);
    const cardUrl = `${system.url()}/a2a/a2a-echo/.well-known/agent-card.json`;
    const legacy = await requestJson(cardUrl);
    expect(legacy.body).toMatchObject({ protocolVersion: "0.3.0", url: `${system.url()}/a2a/a2a-echo/`, preferredTransport: "JSONRPC" });
    const runtimes = await requestJson(`${system.url()}/api/v1/a2a/a2a-echo/.well-known/agent-card.json`, {
      headers: { "a2a-version": "1.0" },
    });
    expect(runtimes.body).toMatchObject({ supportedInterfaces: [{ url: `${system.url()}/api/v1/a2a/a2a-echo/` }, {}] });
    const listed = (await requestJson(`${system.url()}/a2a/`)).body as { agents: { name: string }[] };
    expect(listed.agents.map((agent) => agent.name).sort()).toEqual(["a2a-echo", "a2a-paced", "a2a-slow"]);
    expect((await requestJson(cardUrl, { auth: false })).status).toBe(401);
    expect((await requestJson(`${system.url()}/a2a/nobody/.well-known/agent-card.json`)).status).toBe(404);
  });

  it("sends a message and answers the completed task; the next message in its context continues the session", async () => {
    const client = await clientOf("a2a-echo");
    const first = asTask(await client.sendMessage(send(userMessage("hello over a2a"))));
    expect(first.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(first.id).toMatch(/^exe_/);
    expect(first.contextId).not.toBe("");
    expect(textOf(first)).toBe("echo: hello over a2a");
    expect(first.history.map((message) => message.role)).toEqual([Role.ROLE_USER, Role.ROLE_AGENT]);

    const second = asTask(await client.sendMessage(send(userMessage("and once more", first.contextId))));
    expect(second.contextId).toBe(first.contextId);
    expect(textOf(second)).toBe("echo: and once more");
    const seen = upstream.requests.findLast((request) => JSON.stringify(request.messages).includes("and once more"));
    expect(JSON.stringify(seen?.messages)).toContain("hello over a2a");

    // The same message again (its id, no context named) is the same task, not a second run.
    const once = userMessage("only once");
    const sent = asTask(await client.sendMessage(send(once)));
    const again = asTask(await client.sendMessage(send(once)));
    expect(again.id).toBe(sent.id);

    const queued = asTask(await client.sendMessage(send(userMessage("later, please"), true)));
    expect([TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING]).toContain(queued.status?.state);
    expect(textOf(await settledTask(client, queued.id))).toBe("echo: later, please");
  });

  it("streams a message: the task, working, the answer in artifact chunks, then completed", async () => {
    const client = await clientOf("a2a-paced");
    const events: StreamResponse[] = [];
    for await (const event of client.sendMessageStream(send(userMessage("stream it")))) events.push(event);
    expect(events[0]?.payload?.$case).toBe("task");
    const chunks = events.flatMap((event) => (event.payload?.$case === "artifactUpdate" ? [event.payload.value] : []));
    expect(chunks.length).toBeGreaterThan(10);
    const streamed = chunks
      .flatMap((chunk) => chunk.artifact?.parts ?? [])
      .map((part) => (part.content?.$case === "text" ? part.content.value : ""));
    expect(streamed.join("")).toBe(Array.from({ length: 64 }, (_, index) => `t${index} `).join(""));
    expect(chunks.at(-1)?.lastChunk).toBe(true);
    const last = events.at(-1)?.payload;
    expect(last?.$case === "statusUpdate" && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it("gets, lists, subscribes to and cancels tasks through either gateway", async () => {
    const one = await clientOf("a2a-slow", 0);
    const two = await clientOf("a2a-slow", 1);
    const started = asTask(await one.sendMessage(send(userMessage("take your time"), true)));
    const read = await two.getTask({ tenant: "", id: started.id, historyLength: 1 });
    expect(read).toMatchObject({ id: started.id, contextId: started.contextId });
    expect(read.history).toHaveLength(1);
    const listed = await two.listTasks({
      tenant: "",
      contextId: started.contextId,
      status: TaskState.TASK_STATE_UNSPECIFIED,
      pageToken: "",
      statusTimestampAfter: undefined,
    });
    expect(listed.tasks.map((task) => task.id)).toEqual([started.id]);
    const cancelled = await two.cancelTask({ tenant: "", id: started.id, metadata: undefined });
    expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    await expect(one.cancelTask({ tenant: "", id: started.id, metadata: undefined })).rejects.toThrow(/already ended/);
    await expect(one.getTask({ tenant: "", id: "exe_000000000000000000000000", historyLength: undefined })).rejects.toThrow(
      /does not exist/,
    );

    const paced = await clientOf("a2a-paced", 0);
    const running = asTask(await paced.sendMessage(send(userMessage("follow me"), true)));
    const followed: StreamResponse[] = [];
    for await (const event of (await clientOf("a2a-paced", 1)).resubscribeTask({ tenant: "", id: running.id })) followed.push(event);
    const end = followed.at(-1)?.payload;
    expect(end?.$case === "statusUpdate" && end.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const page = await paced.listTasks({
      tenant: "",
      contextId: "",
      status: TaskState.TASK_STATE_COMPLETED,
      pageSize: 10,
      pageToken: "",
      statusTimestampAfter: undefined,
      includeArtifacts: true,
    });
    expect(page.tasks.map((task) => task.id)).toContain(running.id);
  });

  it("answers v0.3 JSON-RPC (no A2A-Version) and refuses a version it does not speak", async () => {
    const base = `${system.url()}/api/v1/a2a/a2a-echo/`;
    const legacy = await requestJson(base, {
      body: {
        jsonrpc: "2.0",
        id: 7,
        method: "message/send",
        params: { message: { kind: "message", messageId: "legacy-1", role: "user", parts: [{ kind: "text", text: "legacy hello" }] } },
      },
    });
    expect(legacy.status).toBe(200);
    const result = (
      legacy.body as { result: { kind: string; id: string; status: { state: string }; artifacts: { parts: { text: string }[] }[] } }
    ).result;
    expect(result).toMatchObject({ kind: "task", status: { state: "completed" } });
    expect(result.artifacts[0]?.parts[0]?.text).toBe("echo: legacy hello");
    const got = await requestJson(base, { body: { jsonrpc: "2.0", id: 8, method: "tasks/get", params: { id: result.id } } });
    expect(got.body).toMatchObject({ id: 8, result: { id: result.id, kind: "task" } });
    const future = await requestJson(base, {
      headers: { "a2a-version": "2.0" },
      body: { jsonrpc: "2.0", id: 9, method: "GetTask", params: { id: result.id } },
    });
    expect(future.body).toMatchObject({ id: 9, error: { code: -32009 } });
  });

  it("finishes a task after every executor is killed and replaced", async () => {
    const client = await clientOf("a2a-slow");
    const started = asTask(await client.sendMessage(send(userMessage("survive this"), true)));
    for (const executor of [...system.executors]) await executor.kill();
    await system.startExecutor();
    await system.startExecutor();
    const ended = await settledTask(client, started.id, 60_000);
    expect(ended.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(textOf(ended)).toBe("echo: survive this");
    expect(ended.metadata).toMatchObject({ agent: "a2a-slow" });
  }, 90_000);
});
