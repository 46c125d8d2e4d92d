import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A real OpenAI-compatible HTTP server for tests. What it does is chosen per request by the
 * `model` field, so one server serves every scenario:
 * - any model: streams (or returns) "<reply>" where the reply is `echo: <last user message>`;
 * - `slow`: waits `slowMs` before answering;
 * - `fail-429`: 429 with Retry-After: 7; `fail-500`: 500.
 * It records every request body and when each socket closed.
 */
export interface Upstream {
  url: string;
  requests: { model: string; stream: boolean; messages: unknown[] }[];
  closedSockets: number;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface UpstreamOptions {
  slowMs?: number;
  /** Pause between streamed content chunks. */
  paceMs?: number;
}

export async function startUpstream(options: UpstreamOptions = {}): Promise<Upstream> {
  const sockets = new Set<Socket>();
  const state: Upstream = {
    url: "",
    requests: [],
    closedSockets: 0,
    stop: async () => {},
    [Symbol.asyncDispose]: async () => {},
  };
  const server = createServer((request, response) => {
    void handle(request, response).catch(() => response.destroy());
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      state.closedSockets += 1;
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== "POST" || !request.url?.endsWith("/chat/completions")) {
      response.writeHead(404).end();
      return;
    }
    let raw = "";
    for await (const chunk of request) raw += String(chunk);
    const body = JSON.parse(raw) as { model: string; stream?: boolean; messages: { role: string; content: string }[] };
    state.requests.push({ model: body.model, stream: body.stream === true, messages: body.messages });
    if (body.model === "fail-429") {
      response.writeHead(429, { "content-type": "application/json", "retry-after": "7" });
      response.end(JSON.stringify({ error: { message: "slow down", type: "rate_limit_error" } }));
      return;
    }
    if (body.model === "fail-500") {
      response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: "upstream broke", type: "server_error" } }));
      return;
    }
    if (body.model === "slow") await new Promise((resolve) => setTimeout(resolve, options.slowMs ?? 60_000));
    const last = [...body.messages].reverse().find((message) => message.role === "user");
    const reply = `echo: ${last?.content ?? ""}`;
    const usage = { prompt_tokens: 3, completion_tokens: reply.split(" ").length, total_tokens: 3 + reply.split(" ").length };
    const base = { id: "chatcmpl-test", created: Math.floor(Date.now() / 1000), model: body.model };
    if (!body.stream) {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          ...base,
          object: "chat.completion",
          choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }],
          usage,
        }),
      );
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (value: unknown) => response.write(`data: ${JSON.stringify(value)}\n\n`);
    const chunk = (delta: object, finish: string | null = null) => ({
      ...base,
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    send(chunk({ role: "assistant", content: "" }));
    for (const piece of reply.match(/\S+\s*/g) ?? []) {
      if (response.destroyed) return;
      send(chunk({ content: piece }));
      if (options.paceMs) await new Promise((resolve) => setTimeout(resolve, options.paceMs));
    }
    send(chunk({}, "stop"));
    send({ ...base, object: "chat.completion.chunk", choices: [], usage });
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
