import { openAiSpecValidator, requestJson, sseData, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatPipeline, deployAll, postChat, upstreamModels } from "./chat-helpers.ts";
import { expectError } from "./helpers.ts";

let system: TestSystem;
let upstream: Upstream;
let url: string;
let client: OpenAI;
const spec = openAiSpecValidator();

beforeAll(async () => {
  upstream = await startUpstream({ slowMs: 20_000, paceMs: 20, pacedChunks: 200 });
  system = await startSystem({ env: { SWITCHYARD_MODELS: upstreamModels(upstream.url) } });
  url = system.url();
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: system.adminKey, maxRetries: 0 });
  await deployAll(url, {
    "echo-chat": chatPipeline("echo-chat", "echo"),
    "remote-chat": chatPipeline("remote-chat", "remote"),
    "paced-chat": chatPipeline("paced-chat", "paced"),
    "slow-chat": chatPipeline("slow-chat", "slow"),
    "tools-chat": chatPipeline("tools-chat", "tools"),
    "limited-chat": chatPipeline("limited-chat", "limited"),
    "broken-chat": chatPipeline("broken-chat", "broken"),
    "nousage-chat": chatPipeline("nousage-chat", "nousage"),
    "template-chat":
      "inputs: { text: {} }\ncomponents:\n  t: { type: template, template: 'You said: {{ text }}' }\noutputs: { reply: t.text }\nchat: { input: text, output: reply }",
    "no-chat": "inputs: { text: {} }\ncomponents:\n  t: { type: template, template: '{{ text }}' }\noutputs: { reply: t.text }",
  });
});
afterAll(async () => {
  await system?.stop();
  await upstream?.stop();
});

function expectValid(schema: string, value: unknown): void {
  expect(spec.errors(schema, value), `${schema}: ${JSON.stringify(value)}`).toEqual([]);
}

/** Every `data:` payload of a streamed chat, each chunk checked against the spec. */
async function streamedChunks(body: Record<string, unknown>): Promise<{ chunks: Record<string, unknown>[]; done: boolean }> {
  const response = await postChat(url, { ...body, stream: true });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const chunks: Record<string, unknown>[] = [];
  let done = false;
  for await (const data of sseData(response.body)) {
    if (data === "[DONE]") {
      done = true;
      continue;
    }
    expect(done, "nothing may follow [DONE]").toBe(false);
    const chunk = JSON.parse(data) as Record<string, unknown>;
    expectValid("CreateChatCompletionStreamResponse", chunk);
    chunks.push(chunk);
  }
  return { chunks, done };
}

describe("models", () => {
  it("lists every pipeline with a chat mapping as a model", async () => {
    const listed = await requestJson(`${url}/v1/models`);
    expectValid("ListModelsResponse", listed.body);
    const ids = (listed.body as { data: { id: string; owned_by: string }[] }).data.map((model) => model.id);
    expect(ids).toContain("echo-chat");
    expect(ids).toContain("template-chat");
    expect(ids).not.toContain("no-chat");
    expect((await requestJson(`${url}/models`)).body).toEqual(listed.body);
    const models = await client.models.list();
    expect(models.data.map((model) => model.id).sort()).toEqual([...ids].sort());
  });
});

describe("chat completions with the openai client", () => {
  it("answers without streaming, in the spec's shape", async () => {
    const answer = await client.chat.completions.create({ model: "echo-chat", messages: [{ role: "user", content: "hello there world" }] });
    expect(answer.choices[0]?.message.content).toBe("hello there world");
    expect(answer.choices[0]?.finish_reason).toBe("stop");
    expect(answer.usage?.total_tokens).toBe((answer.usage?.prompt_tokens ?? 0) + (answer.usage?.completion_tokens ?? 0));
    expect(answer.usage?.completion_tokens).toBeGreaterThan(0);

    const raw = await postChat(url, {
      model: "remote-chat",
      messages: [
        { role: "system", content: "be nice" },
        { role: "user", content: "ping" },
      ],
    });
    const body = await raw.json();
    expectValid("CreateChatCompletionResponse", body);
    expect(body).toMatchObject({
      object: "chat.completion",
      model: "remote-chat",
      choices: [{ index: 0, message: { role: "assistant", content: "echo: ping" }, finish_reason: "stop" }],
      // The provider reported usage, so it is passed on as it is.
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  });

  it("streams token by token, one id and created across the stream, role first, then [DONE]", async () => {
    const stream = await client.chat.completions.create({
      model: "remote-chat",
      messages: [{ role: "user", content: "one two three four" }],
      stream: true,
    });
    const pieces: string[] = [];
    for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta.content ?? "");
    expect(pieces.join("")).toBe("echo: one two three four");

    const { chunks, done } = await streamedChunks({ model: "remote-chat", messages: [{ role: "user", content: "a b c" }] });
    expect(done).toBe(true);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(new Set(chunks.map((chunk) => chunk.created)).size).toBe(1);
    const choices = chunks.map(
      (chunk) => (chunk.choices as { delta: { role?: string; content?: string }; finish_reason: string | null }[])[0],
    );
    expect(choices[0]?.delta.role).toBe("assistant");
    expect(choices.slice(1, -1).map((choice) => choice?.delta.content)).toEqual(["echo: ", "a ", "b ", "c"]);
    expect(choices.at(-1)).toMatchObject({ delta: {}, finish_reason: "stop" });
    expect(choices.slice(0, -1).every((choice) => choice?.finish_reason === null)).toBe(true);
  });

  it("adds the usage chunk before [DONE] when asked, from the tokenizer when the provider reports none", async () => {
    for (const model of ["remote-chat", "nousage-chat", "template-chat"]) {
      const { chunks, done } = await streamedChunks({
        model,
        messages: [{ role: "user", content: "count me" }],
        stream_options: { include_usage: true },
      });
      expect(done).toBe(true);
      const last = chunks.at(-1) as {
        choices: unknown[];
        usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
      };
      expect(last.choices).toEqual([]);
      expect(last.usage.completion_tokens).toBeGreaterThan(0);
      expect(last.usage.total_tokens).toBe(last.usage.prompt_tokens + last.usage.completion_tokens);
      if (model === "remote-chat") expect(last.usage).toEqual({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
    }
    const template = await streamedChunks({ model: "template-chat", messages: [{ role: "user", content: "hi" }] });
    const text = template.chunks.map((chunk) => (chunk.choices as { delta: { content?: string } }[])[0]?.delta.content ?? "").join("");
    expect(text).toBe("You said: hi");
  });

  it("passes tool-call deltas through in OpenAI's format, streaming or not", async () => {
    const tools = [
      {
        type: "function" as const,
        function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
      },
    ];
    const answer = await client.chat.completions.create({ model: "tools-chat", messages: [{ role: "user", content: "weather?" }], tools });
    expect(answer.choices[0]?.finish_reason).toBe("tool_calls");
    expect(answer.choices[0]?.message.tool_calls).toEqual([
      { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
    ]);
    expect(upstream.requests.at(-1)?.tools).toEqual(tools);

    const stream = await client.chat.completions.create({
      model: "tools-chat",
      messages: [{ role: "user", content: "weather?" }],
      tools,
      stream: true,
    });
    let name = "";
    let args = "";
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += call.function?.name ?? "";
        args += call.function?.arguments ?? "";
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect({ name, args, finish }).toEqual({ name: "get_weather", args: '{"city":"Paris"}', finish: "tool_calls" });
    const raw = await streamedChunks({ model: "tools-chat", messages: [{ role: "user", content: "weather?" }], tools });
    expect(raw.done).toBe(true);
  });

  it("accepts the extra fields Open WebUI sends, and the /{name}/chat alias", async () => {
    const response = await requestJson(`${url}/v1/chat/completions`, {
      body: {
        model: "echo-chat",
        messages: [{ role: "user", content: [{ type: "text", text: "from webui" }] }],
        session_id: "s1",
        chat_id: "c1",
        id: "m1",
        features: { web_search: false },
        params: {},
        temperature: 0.2,
      },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ choices: [{ message: { content: "from webui" } }] });
    const alias = await requestJson(`${url}/echo-chat/chat`, { body: { messages: [{ role: "user", content: "via alias" }] } });
    expect(alias.body).toMatchObject({ model: "echo-chat", choices: [{ message: { content: "via alias" } }] });
  });
});

describe("chat errors", () => {
  const user = [{ role: "user", content: "hi" }];

  it("maps unknown models, missing chat mappings and bad messages", async () => {
    expectError(await requestJson(`${url}/v1/chat/completions`, { body: { model: "nope", messages: user } }), 404, "not_found");
    await expect(client.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({
      status: 404,
    });
    expectError(await requestJson(`${url}/v1/chat/completions`, { body: { model: "no-chat", messages: user } }), 501, "not_implemented");
    expectError(await requestJson(`${url}/v1/chat/completions`, { body: { model: "echo-chat", messages: [] } }), 400, "invalid_request");
    expectError(
      await requestJson(`${url}/v1/chat/completions`, { body: { model: "echo-chat", messages: [{ role: "wizard", content: "x" }] } }),
      400,
    );
    expectError(
      await requestJson(`${url}/v1/chat/completions`, { body: { model: "echo-chat", messages: [{ role: "system", content: "x" }] } }),
      400,
    );
    expectError(await requestJson(`${url}/v1/chat/completions`, { body: { messages: user } }), 400, "invalid_request");
  });

  it("maps provider 429 and 5xx, streaming or not", async () => {
    for (const stream of [false, true]) {
      const limited = await requestJson(`${url}/v1/chat/completions`, { body: { model: "limited-chat", messages: user, stream } });
      expectError(limited, 429, "rate_limited");
      expect(limited.headers.get("retry-after")).toBe("7");
      expectError(
        await requestJson(`${url}/v1/chat/completions`, { body: { model: "broken-chat", messages: user, stream } }),
        502,
        "upstream_error",
      );
    }
    await expect(
      client.chat.completions.create({ model: "limited-chat", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toMatchObject({
      status: 429,
    });
  });
});

describe("many streams at once", () => {
  it("gives each of 100 concurrent streams exactly its own chunks, in order", async () => {
    const words = (index: number) => Array.from({ length: 20 }, (_, word) => `s${index}w${word}`);
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, index) => {
        const stream = await client.chat.completions.create({
          model: "echo-chat",
          messages: [{ role: "user", content: words(index).join(" ") }],
          stream: true,
        });
        const pieces: string[] = [];
        for await (const chunk of stream) {
          const content = chunk.choices[0]?.delta.content;
          if (content) pieces.push(content);
        }
        return pieces;
      }),
    );
    results.forEach((pieces, index) => {
      expect(pieces.map((piece) => piece.trim())).toEqual(words(index));
    });
  });
});

describe("cancellation", () => {
  /**
   * Aborts a request once the upstream has it, and reports how the upstream's socket closed: after the abort (ms
   * from the abort) and whether the upstream had finished answering by then. Every upstream call here would run
   * for seconds more on its own (a 20 s wait, or 200 chunks 20 ms apart), and no deadline is near, so a socket
   * closed after the abort and before the answer was complete was closed by the cancel.
   */
  async function abortAndWatchUpstream(
    model: string,
    start: (signal: AbortSignal) => Promise<unknown>,
    ready?: () => Promise<void>,
  ): Promise<{ afterAbortMs: number; answeredBeforeClose: boolean }> {
    const controller = new AbortController();
    const before = upstream.requests.length;
    const running = start(controller.signal).catch(() => undefined);
    await expect.poll(() => upstream.requests.slice(before).find((request) => request.model === model), { interval: 5 }).toBeDefined();
    const forwarded = upstream.requests.slice(before).find((request) => request.model === model);
    await ready?.();
    const abortedAt = performance.now();
    controller.abort();
    await running;
    await expect.poll(() => forwarded?.socketClosedAt, { timeout: 10_000, interval: 5 }).toBeDefined();
    const closedAt = forwarded?.socketClosedAt ?? Number.NaN;
    return { afterAbortMs: closedAt - abortedAt, answeredBeforeClose: (forwarded?.answeredAt ?? Number.POSITIVE_INFINITY) <= closedAt };
  }

  it("closes the upstream socket on a client abort, before the upstream finished: before the first token, mid-stream, and without streaming", async () => {
    const beforeFirstToken = await abortAndWatchUpstream("slow", (signal) =>
      postChat(url, { model: "slow-chat", messages: [{ role: "user", content: "x" }], stream: true }, signal),
    );
    let midStreamReady: () => void = () => {};
    const gotTokens = new Promise<void>((resolve) => {
      midStreamReady = resolve;
    });
    const midStream = await abortAndWatchUpstream(
      "paced",
      async (signal) => {
        const response = await postChat(url, { model: "paced-chat", messages: [{ role: "user", content: "x" }], stream: true }, signal);
        let seen = 0;
        for await (const _ of sseData(response.body)) if (++seen === 4) midStreamReady();
      },
      () => gotTokens,
    );
    const nonStreaming = await abortAndWatchUpstream("slow", (signal) =>
      postChat(url, { model: "slow-chat", messages: [{ role: "user", content: "x" }] }, signal),
    );
    const ms = (outcome: { afterAbortMs: number }) => outcome.afterAbortMs.toFixed(1);
    console.log(
      `abort → upstream close: before first token ${ms(beforeFirstToken)} ms, mid-stream ${ms(midStream)} ms, non-streaming ${ms(nonStreaming)} ms`,
    );
    // The figures live in the benchmark; here what counts is cause and order: closed after the abort, before the upstream was done.
    for (const outcome of [beforeFirstToken, midStream, nonStreaming]) {
      expect(outcome.afterAbortMs).toBeGreaterThanOrEqual(0);
      expect(outcome.answeredBeforeClose).toBe(false);
    }
  });
});
