import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A real OpenAI-compatible HTTP server for tests. What it does is chosen per request by the
 * `model` field, so one server serves every scenario:
 * - any other model: answers `echo: <last user message>` (streamed a word at a time);
 * - `slow`: waits `slowMs` before answering at all;
 * - `paced`: streams `pacedChunks` deltas `paceMs` apart;
 * - `many`: streams `manyChunks` deltas as fast as the socket takes them, honouring backpressure;
 * - `tools`: answers with a tool call `get_weather({"city":"Paris"})` in two argument pieces;
 * - `no-usage`: streams without a usage chunk;
 * - `fail-429`: 429 with Retry-After: 7; `fail-500`: 500;
 * - `agent-script`: a scripted tool-using model. Given tools and no tool result yet, it calls
 *   `echo` with the user's text; given a tool result, it answers `The tool said: <result>`;
 *   without tools it answers `echo: <text>`. `agent-bad-args` calls `echo` with no arguments
 *   first; `agent-loop` calls `echo` forever.
 * It records every request (when its connection closed, and whether it had finished answering by then) and how many
 * deltas it wrote.
 */
export interface Upstream {
  url: string;
  /** Every request, with `performance.now()` of when its connection closed and of when its answer was complete, once they happened. */
  requests: { model: string; stream: boolean; messages: unknown[]; tools?: unknown; socketClosedAt?: number; answeredAt?: number }[];
  /** Deltas written to `many` streams so far. */
  written: number;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface UpstreamOptions {
  slowMs?: number;
  paceMs?: number;
  pacedChunks?: number;
  manyChunks?: number;
  /** Characters of filler in each `many` delta. */
  manyChunkChars?: number;
}

interface ChatBody {
  model: string;
  stream?: boolean;
  messages: { role: string; content: string | null }[];
  tools?: { function: { name: string } }[];
}

/** What the scripted agent models do next: call a tool, or answer with text. */
function scriptedTurn(body: ChatBody): { call?: { name: string; arguments: string }; text?: string } {
  const last = body.messages.at(-1);
  const userText = [...body.messages].reverse().find((message) => message.role === "user")?.content ?? "";
  const toolNames = (body.tools ?? []).map((tool) => tool.function.name);
  const echo = toolNames.find((name) => name === "echo" || name.endsWith("__echo")) ?? toolNames[0];
  if (echo && (body.model === "agent-loop" || last?.role !== "tool")) {
    return { call: { name: echo, arguments: body.model === "agent-bad-args" ? "{}" : JSON.stringify({ message: userText }) } };
  }
  if (last?.role === "tool") return { text: `The tool said: ${last.content ?? ""}` };
  return { text: `echo: ${userText}` };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startUpstream(options: UpstreamOptions = {}): Promise<Upstream> {
  const sockets = new Set<Socket>();
  const state: Upstream = {
    url: "",
    requests: [],
    written: 0,
    stop: async () => {},
    [Symbol.asyncDispose]: async () => {},
  };
  const server = createServer((request, response) => {
    void handle(request, response).catch(() => response.destroy());
  });
  // An answer is complete when its last byte was handed to the socket (`finish`), not when the connection closed.
  const answered = (response: ServerResponse, entry: Upstream["requests"][number]) =>
    response.once("finish", () => {
      entry.answeredAt = performance.now();
    });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== "POST" || !request.url?.endsWith("/chat/completions")) {
      response.writeHead(404).end();
      return;
    }
    let raw = "";
    for await (const piece of request) raw += String(piece);
    const body = JSON.parse(raw) as ChatBody;
    const entry: Upstream["requests"][number] = {
      model: body.model,
      stream: body.stream === true,
      messages: body.messages,
      tools: body.tools,
    };
    state.requests.push(entry);
    answered(response, entry);
    request.socket.once("close", () => {
      entry.socketClosedAt = performance.now();
    });
    if (body.model === "fail-429" || body.model === "fail-500") {
      const status = body.model === "fail-429" ? 429 : 500;
      response.writeHead(status, { "content-type": "application/json", ...(status === 429 ? { "retry-after": "7" } : {}) });
      response.end(JSON.stringify({ error: { message: status === 429 ? "slow down" : "upstream broke", type: "server_error" } }));
      return;
    }
    if (body.model === "slow") await sleep(options.slowMs ?? 60_000);
    if (response.destroyed) return;
    const last = [...body.messages].reverse().find((message) => message.role === "user");
    const scripted = body.model.startsWith("agent-") ? scriptedTurn(body) : undefined;
    const reply = scripted ? (scripted.text ?? "") : `echo: ${last?.content ?? ""}`;
    const completionTokens = reply.split(" ").length;
    const usage = { prompt_tokens: 3, completion_tokens: completionTokens, total_tokens: 3 + completionTokens };
    const base = { id: "chatcmpl-upstream", created: Math.floor(Date.now() / 1000), model: body.model };
    if (!body.stream) {
      const toolCalls =
        body.model === "tools"
          ? [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }]
          : scripted?.call
            ? [{ id: `call_${state.requests.length}`, type: "function", function: scripted.call }]
            : undefined;
      const message = { role: "assistant", content: toolCalls ? null : reply, ...(toolCalls ? { tool_calls: toolCalls } : {}) };
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          ...base,
          object: "chat.completion",
          choices: [{ index: 0, message, finish_reason: toolCalls ? "tool_calls" : "stop" }],
          usage,
        }),
      );
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = async (value: unknown) => {
      if (!response.write(`data: ${JSON.stringify(value)}\n\n`)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            response.off("drain", done);
            response.off("close", done);
            resolve();
          };
          response.on("drain", done);
          response.on("close", done);
        });
      }
    };
    const chunk = (delta: object, finish: string | null = null) => ({
      ...base,
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    await send(chunk({ role: "assistant", content: "" }));
    let finish = "stop";
    if (body.model === "tools") {
      await send(
        chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":' } }] }),
      );
      await send(chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }));
      finish = "tool_calls";
    } else if (scripted?.call) {
      const id = `call_${state.requests.length}`;
      const call = { index: 0, id, type: "function", function: { name: scripted.call.name, arguments: scripted.call.arguments } };
      await send(chunk({ tool_calls: [call] }));
      finish = "tool_calls";
    } else if (body.model === "paced") {
      for (let index = 0; index < (options.pacedChunks ?? 64); index += 1) {
        if (response.destroyed) return;
        await send(chunk({ content: `t${index} ` }));
        await sleep(options.paceMs ?? 20);
      }
    } else if (body.model === "many") {
      for (let index = 0; index < (options.manyChunks ?? 20_000); index += 1) {
        if (response.destroyed) return;
        await send(chunk({ content: `chunk ${String(index).padStart(5, "0")} ${"x".repeat(options.manyChunkChars ?? 0)}` }));
        state.written += 1;
      }
    } else {
      for (const piece of reply.match(/\S+\s*/g) ?? []) {
        if (response.destroyed) return;
        await send(chunk({ content: piece }));
        if (options.paceMs) await sleep(options.paceMs);
      }
    }
    await send(chunk({}, finish));
    if (body.model !== "no-usage") await send({ ...base, object: "chat.completion.chunk", choices: [], usage });
    response.end("data: [DONE]\n\n");
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.stop = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  state[Symbol.asyncDispose] = state.stop;
  return state;
}
