import { HttpAgent } from "@ag-ui/client";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { apiKeyHeaders, requestJson, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import { generateText, streamText } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatPipeline, deployAll, upstreamModels } from "./chat-helpers.ts";

// The whole OpenAI `messages` array reaches the model that answers: for a pipeline whose chat
// output is an llm component, and for an agent.
let system: TestSystem;
let upstream: Upstream;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startUpstream();
  system = await startSystem({ withSessions: true, env: { SWITCHYARD_MODELS: upstreamModels(upstream.url) } });
  client = new OpenAI({ baseURL: `${system.url()}/v1`, apiKey: system.adminKey, maxRetries: 0 });
  await deployAll(system.url(), { "remote-chat": chatPipeline("remote-chat", "remote") });
  const agent = await requestJson(`${system.url()}/v1/agents`, {
    rawBody: "name: talker\nmodel: remote\ninstructions: Be brief.\nmemory: none\n",
    headers: { "content-type": "application/yaml" },
  });
  expect(agent.status, JSON.stringify(agent.body)).toBe(201);
  const keeper = await requestJson(`${system.url()}/v1/agents`, {
    rawBody: "name: keeper\nmodel: remote\ninstructions: Remember.\nmemory: session\n",
    headers: { "content-type": "application/yaml" },
  });
  expect(keeper.status, JSON.stringify(keeper.body)).toBe(201);
});
afterAll(async () => {
  await system?.stop();
  await upstream?.stop();
});

const conversation: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: "system", content: "You are terse." },
  { role: "user", content: "My name is Ada." },
  { role: "assistant", content: "Hello, Ada." },
  { role: "user", content: "I live in Paris." },
  { role: "assistant", content: "Noted." },
  { role: "user", content: "Where do I live, and what is my name?" },
];

/** The messages of the upstream call whose last user message is `text`. */
function upstreamCall(text: string) {
  const call = [...upstream.requests].reverse().find((request) => JSON.stringify(request.messages).includes(text));
  return call?.messages as { role: string; content: string | null }[] | undefined;
}

describe("conversation history", () => {
  it("sends a pipeline's model the whole three-turn conversation from the openai client, streaming or not", async () => {
    const answer = await client.chat.completions.create({ model: "remote-chat", messages: conversation });
    expect(answer.choices[0]?.message.content).toBe("echo: Where do I live, and what is my name?");
    expect(upstreamCall("Where do I live")?.map((message) => [message.role, message.content])).toEqual(
      conversation.map((message) => [message.role, message.content]),
    );

    const streamed = await client.chat.completions.create({
      model: "remote-chat",
      stream: true,
      messages: [...conversation.slice(0, -1), { role: "user", content: "Streamed: where do I live?" }],
    });
    for await (const _chunk of streamed) {
      // read to the end
    }
    expect(upstreamCall("Streamed: where do I live?")?.map((message) => message.content)).toEqual([
      "You are terse.",
      "My name is Ada.",
      "Hello, Ada.",
      "I live in Paris.",
      "Noted.",
      "Streamed: where do I live?",
    ]);
  });

  it("sends the whole conversation from the AI SDK too, generated and streamed", async () => {
    const switchyard = createOpenAICompatible({ name: "switchyard", baseURL: `${system.url()}/v1`, apiKey: system.adminKey });
    // AI SDK 7 takes the system prompt as `instructions`; it sends it as the first (system) message.
    const instructions = "You are terse.";
    const history = [
      { role: "user" as const, content: "AI SDK: my name is Ada." },
      { role: "assistant" as const, content: "Hello, Ada." },
    ];
    const generated = await generateText({
      model: switchyard.chatModel("remote-chat"),
      instructions,
      messages: [...history, { role: "user", content: "AI SDK: what is my name?" }],
    });
    expect(generated.text).toBe("echo: AI SDK: what is my name?");
    expect(upstreamCall("AI SDK: what is my name?")?.map((message) => message.content)).toEqual([
      "You are terse.",
      "AI SDK: my name is Ada.",
      "Hello, Ada.",
      "AI SDK: what is my name?",
    ]);
    const streamed = streamText({
      model: switchyard.chatModel("remote-chat"),
      instructions,
      messages: [...history, { role: "user", content: "AI SDK streamed: my name?" }],
    });
    let text = "";
    for await (const piece of streamed.textStream) text += piece;
    expect(text).toBe("echo: AI SDK streamed: my name?");
    expect(upstreamCall("AI SDK streamed: my name?")?.map((message) => message.role)).toEqual(["system", "user", "assistant", "user"]);
  });

  it("keeps a client's tool round in place: the assistant's tool call and its result follow the user message", async () => {
    await client.chat.completions.create({
      model: "remote-chat",
      messages: [
        { role: "user", content: "Weather in Paris, with a tool please." },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_9", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
        },
        { role: "tool", tool_call_id: "call_9", content: "sunny, 21 C" },
      ],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } }],
    });
    const sent = upstreamCall("sunny, 21 C") as { role: string; content: string | null; tool_call_id?: string; tool_calls?: unknown[] }[];
    expect(sent.map((message) => message.role)).toEqual(["user", "assistant", "tool"]);
    expect(sent[1]?.tool_calls).toHaveLength(1);
    expect(sent[2]?.tool_call_id).toBe("call_9");
  });

  it("gives an agent the client's conversation too, after its instructions", async () => {
    const answer = await client.chat.completions.create({
      model: "talker",
      messages: [...conversation.slice(1, -1), { role: "user", content: "Agent: what is my name?" }],
    });
    expect(answer.choices[0]?.message.content).toBe("echo: Agent: what is my name?");
    expect(upstreamCall("Agent: what is my name?")?.map((message) => message.content)).toEqual([
      "Be brief.",
      "My name is Ada.",
      "Hello, Ada.",
      "I live in Paris.",
      "Noted.",
      "Agent: what is my name?",
    ]);
  });
});

describe("a client's conversation id names the agent's session", () => {
  it("continues the session of an Open WebUI chat_id when only the new message is sent", async () => {
    const chatId = `owui-${Date.now()}`;
    const send = (content: string) =>
      requestJson(`${system.url()}/v1/chat/completions`, {
        body: { model: "keeper", chat_id: chatId, messages: [{ role: "user", content }] },
      });
    expect((await send("Open WebUI: I am Grace.")).status).toBe(200);
    expect((await send("Open WebUI: who am I?")).status).toBe(200);
    expect(upstreamCall("Open WebUI: who am I?")?.map((message) => message.content)).toEqual([
      "Remember.",
      "Open WebUI: I am Grace.",
      "echo: Open WebUI: I am Grace.",
      "Open WebUI: who am I?",
    ]);
    // Another chat id is another conversation.
    await requestJson(`${system.url()}/v1/chat/completions`, {
      body: { model: "keeper", chat_id: `${chatId}-other`, messages: [{ role: "user", content: "Open WebUI: fresh start" }] },
    });
    expect(upstreamCall("Open WebUI: fresh start")?.map((message) => message.content)).toEqual(["Remember.", "Open WebUI: fresh start"]);
  });

  it("continues the session of an AG-UI thread when the client reuses its threadId", async () => {
    const threadId = `thread-${Date.now()}`;
    const run = async (id: string, content: string) => {
      const agent = new HttpAgent({
        url: `${system.url()}/v1/ag-ui/keeper/`,
        headers: apiKeyHeaders(),
        threadId,
        initialMessages: [{ id, role: "user", content }],
      });
      await agent.runAgent({});
    };
    await run("u1", "AG-UI: my city is Lyon.");
    await run("u2", "AG-UI: which city?");
    expect(upstreamCall("AG-UI: which city?")?.map((message) => message.content)).toEqual([
      "Remember.",
      "AG-UI: my city is Lyon.",
      "echo: AG-UI: my city is Lyon.",
      "AG-UI: which city?",
    ]);
  });
});

describe("AgentSpec's pipeline run on the shared path", () => {
  it("takes AgentSpec's {input} and {trigger} and Hayhooks' flat inputs on /v1/pipelines/{name}/run, answering both shapes", async () => {
    const agentSpec = await requestJson(`${system.url()}/v1/pipelines/remote-chat/run`, { body: { input: "spec run" } });
    expect(agentSpec.status, JSON.stringify(agentSpec.body)).toBe(200);
    expect(agentSpec.body).toMatchObject({
      pipeline: "remote-chat",
      status: "completed",
      steps: [],
      output: "echo: spec run",
      result: { reply: "echo: spec run" },
      usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
    const trigger = await requestJson(`${system.url()}/v1/pipelines/remote-chat/run`, { body: { trigger: { text: "sdk run" } } });
    expect(trigger.body).toMatchObject({ output: "echo: sdk run", status: "completed" });
    const hayhooks = await requestJson(`${system.url()}/v1/pipelines/remote-chat/run`, { body: { text: "flat run" } });
    expect(hayhooks.body).toEqual({ result: { reply: "echo: flat run" } });
  });
});
