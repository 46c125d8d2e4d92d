import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { epochMs, sleep } from "./stats.ts";

/**
 * The bench's own OpenAI-compatible upstream (node:http). What it does depends on `model`:
 * - `paced`: a role chunk, `pacedChunks` content deltas `paceMs` apart, finish, usage, `[DONE]`
 *   (non-streaming: the same text as one JSON answer after the same time);
 * - `slow`: waits `slowMs` before the first byte (slow first token, or a slow JSON answer);
 * - anything else: zero delay, an immediate JSON completion or an immediate stream.
 * Every request whose connection closes before its answer finished is recorded with the
 * time of the close, under its tag (the last user message), for the cancellation scenario.
 * Run as a child process of the bench (its own event loop), it talks over IPC.
 */
export interface UpstreamOptions {
  paceMs: number;
  pacedChunks: number;
  slowMs: number;
}

export const defaultUpstreamOptions: UpstreamOptions = { paceMs: 20, pacedChunks: 64, slowMs: 3000 };

/** The text a paced stream carries, to check that nothing was dropped. */
export function pacedText(chunks: number): string {
  return Array.from({ length: chunks }, (_, index) => `w${index} `).join("");
}

const zeroDelayWords = ["Hello ", "from ", "the ", "bench ", "upstream, ", "a ", "zero-delay ", "answer."];

function sse(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** Every SSE event of one model's stream, built once. */
function streamEvents(model: string, words: string[]): string[] {
  const base = { id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1_700_000_000, model };
  const choice = (delta: Record<string, unknown>, finish: string | null) => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const usage = { prompt_tokens: 8, completion_tokens: words.length, total_tokens: 8 + words.length };
  return [
    sse(choice({ role: "assistant", content: "" }, null)),
    ...words.map((word) => sse(choice({ content: word }, null))),
    sse(choice({}, "stop")),
    sse({ ...base, choices: [], usage }),
    "data: [DONE]\n\n",
  ];
}

function completionBody(model: string, words: string[]): string {
  return JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: words.join("") }, finish_reason: "stop", logprobs: null }],
    usage: { prompt_tokens: 8, completion_tokens: words.length, total_tokens: 8 + words.length },
  });
}

export interface UpstreamServer {
  port: number;
  /** Tag → epoch ms at which the connection of that request closed before its answer ended. */
  aborts: Map<string, number>;
  counts: { requests: number; aborted: number; socketCloses: number };
  close(): Promise<void>;
}

export async function startUpstreamServer(options: UpstreamOptions = defaultUpstreamOptions): Promise<UpstreamServer> {
  const pacedWords = Array.from({ length: options.pacedChunks }, (_, index) => `w${index} `);
  const cache = new Map<string, { events: string[]; json: string }>();
  const built = (model: string, words: string[]) => {
    const key = `${model}/${words.length}`;
    let entry = cache.get(key);
    if (!entry) {
      entry = { events: streamEvents(model, words), json: completionBody(model, words) };
      cache.set(key, entry);
    }
    return entry;
  };
  const aborts = new Map<string, number>();
  const counts = { requests: 0, aborted: 0, socketCloses: 0 };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== "POST" || !request.url?.endsWith("/chat/completions")) {
      response.writeHead(404, { "content-type": "application/json" }).end('{"error":{"message":"not found"}}');
      return;
    }
    let raw = "";
    for await (const piece of request) raw += String(piece);
    const body = JSON.parse(raw) as { model?: string; stream?: boolean; messages?: { role: string; content: unknown }[] };
    counts.requests += 1;
    const model = body.model ?? "bench";
    const tag = String([...(body.messages ?? [])].reverse().find((message) => message.role === "user")?.content ?? "");
    response.once("close", () => {
      if (response.writableFinished) return;
      counts.aborted += 1;
      if (aborts.size < 10_000) aborts.set(tag, epochMs());
    });
    const words = model === "paced" ? pacedWords : zeroDelayWords;
    const { events, json } = built(model, words);
    if (model === "slow") await sleep(options.slowMs);
    if (response.destroyed) return;
    if (body.stream !== true) {
      if (model === "paced") await sleep(options.paceMs * options.pacedChunks);
      if (response.destroyed) return;
      response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(json) }).end(json);
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    if (model !== "paced") {
      for (const event of events) response.write(event);
      response.end();
      return;
    }
    // Role chunk and first delta at once, then one delta every paceMs (scheduled from the start: no drift).
    const started = performance.now();
    response.write(events[0]);
    for (let index = 0; index < words.length; index += 1) {
      const due = started + index * options.paceMs - performance.now();
      if (due > 0) await sleep(due);
      if (response.destroyed) return;
      response.write(events[index + 1]);
    }
    for (const event of events.slice(words.length + 1)) response.write(event);
    response.end();
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;
  server.on("connection", (socket) => socket.once("close", () => (counts.socketCloses += 1)));
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    aborts,
    counts,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Messages between the bench and the upstream child. */
export type UpstreamQuery = { id: number; type: "ping" } | { id: number; type: "aborts"; tags: string[] } | { id: number; type: "counts" };

async function runAsChild(): Promise<void> {
  const upstream = await startUpstreamServer();
  const send = (message: unknown) => process.send?.(message);
  process.on("message", (message: UpstreamQuery) => {
    if (message.type === "ping") send({ id: message.id, now: epochMs() });
    else if (message.type === "counts") send({ id: message.id, counts: upstream.counts });
    else send({ id: message.id, aborts: message.tags.map((tag) => upstream.aborts.get(tag) ?? null) });
  });
  // The bench going away (even killed) closes the IPC channel: stop with it.
  process.on("disconnect", () => void upstream.close().finally(() => process.exit(0)));
  send({ ready: true, port: upstream.port });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) void runAsChild();
