import { Agent, request } from "node:http";
import { sseData } from "@switchyard/testing";

/** One way to reach a chat completions API: straight to the upstream, through Switchyard, or through Portkey. */
export type ArmName = "direct" | "switchyard" | "portkey";

export interface Arm {
  name: ArmName;
  /** Full URL of the chat completions endpoint. */
  url: string;
  headers: Record<string, string>;
  /** The model names this arm uses for the upstream's zero-delay, paced and slow behaviours. */
  models: { zero: string; paced: string; slow: string };
}

export interface Timed {
  ok: boolean;
  status: number;
  ms: number;
  executor?: string;
  error?: string;
}

/** A keep-alive agent for the non-streaming load (node:http is lighter than fetch for the load generator). */
export function keepAliveAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, keepAliveMsecs: 10_000 });
}

export function chatBody(model: string, content: string, stream: boolean): string {
  return JSON.stringify({ model, stream, messages: [{ role: "user", content }] });
}

/** POSTs a prepared JSON body and times it to the last byte of the answer. */
export function postJson(url: string, headers: Record<string, string>, body: string, agent: Agent, timeoutMs = 10_000): Promise<Timed> {
  const target = new URL(url);
  return new Promise((resolve) => {
    const started = performance.now();
    const finish = (result: Omit<Timed, "ms">) => resolve({ ...result, ms: performance.now() - started });
    const outgoing = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        agent,
        headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (response) => {
        let length = 0;
        response.on("data", (piece: Buffer) => {
          length += piece.length;
        });
        response.on("end", () => {
          const status = response.statusCode ?? 0;
          const executor = response.headers["x-switchyard-executor"];
          finish({
            ok: status === 200 && length > 0,
            status,
            ...(typeof executor === "string" ? { executor } : {}),
            ...(status === 200 ? {} : { error: `HTTP ${status}` }),
          });
        });
        response.on("error", (error) => finish({ ok: false, status: 0, error: error.message }));
      },
    );
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    outgoing.on("error", (error) => finish({ ok: false, status: 0, error: error.message }));
    outgoing.end(body);
  });
}

export function postChat(arm: Arm, body: string, agent: Agent, timeoutMs?: number): Promise<Timed> {
  return postJson(arm.url, arm.headers, body, agent, timeoutMs);
}

export interface StreamResult {
  ok: boolean;
  status: number;
  /** Request start → first non-empty content delta (ms). */
  ttft: number;
  /** Time between consecutive content deltas (ms). */
  gaps: number[];
  deltas: number;
  text: string;
  done: boolean;
  error?: string;
}

export interface StreamOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called with the number of content deltas so far, after each one. */
  onDelta?(count: number): void;
  stream?: boolean;
}

/** One chat completion over fetch, read with the project's `sseData`, timing every content delta. */
export async function streamChat(arm: Arm, model: string, content: string, options: StreamOptions = {}): Promise<StreamResult> {
  const result: StreamResult = { ok: false, status: 0, ttft: Number.NaN, gaps: [], deltas: 0, text: "", done: false };
  const signals = [AbortSignal.timeout(options.timeoutMs ?? 30_000), ...(options.signal ? [options.signal] : [])];
  const started = performance.now();
  let last = started;
  try {
    const response = await fetch(arm.url, {
      method: "POST",
      headers: { ...arm.headers, "content-type": "application/json" },
      body: chatBody(model, content, options.stream ?? true),
      signal: AbortSignal.any(signals),
    });
    result.status = response.status;
    if (response.status !== 200) {
      result.error = `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`;
      return result;
    }
    for await (const data of sseData(response.body)) {
      if (data === "[DONE]") {
        result.done = true;
        continue;
      }
      const event = JSON.parse(data) as { error?: { message?: string }; choices?: { delta?: { content?: unknown } }[] };
      if (event.error) result.error = `in-band error: ${event.error.message ?? "?"}`;
      const text = event.choices?.[0]?.delta?.content;
      if (typeof text !== "string" || text === "") continue;
      const now = performance.now();
      if (result.deltas === 0) result.ttft = now - started;
      else result.gaps.push(now - last);
      last = now;
      result.deltas += 1;
      result.text += text;
      options.onDelta?.(result.deltas);
    }
    result.ok = result.done && !result.error;
  } catch (error) {
    result.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  return result;
}
