import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { stopChild } from "@switchyard/local";
import { epochMs } from "./stats.ts";
import type { UpstreamQuery } from "./upstream.ts";

/** The upstream running in its own process, seen from the bench. */
export interface UpstreamProcess {
  /** Base URL of the OpenAI-compatible API (ends in /v1). */
  baseUrl: string;
  port: number;
  pid: number;
  /** For each tag, when its connection closed early (bench clock, epoch ms), or null. */
  aborts(tags: string[]): Promise<(number | null)[]>;
  counts(): Promise<{ requests: number; aborted: number; socketCloses: number }>;
  /** Upstream clock minus bench clock (ms), from the ping with the shortest round trip. */
  clockOffsetMs: number;
  stop(): Promise<void>;
}

type Reply = { id: number } & Record<string, unknown>;

export async function startUpstreamProcess(): Promise<UpstreamProcess> {
  const entry = fileURLToPath(new URL("./upstream.ts", import.meta.url));
  const child: ChildProcess = fork(entry, [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const pending = new Map<number, (reply: Reply) => void>();
  let nextId = 1;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the upstream did not start in 20 s")), 20_000);
    child.once("exit", (code) => reject(new Error(`the upstream exited (${code}) before it was ready`)));
    child.on("message", (message: Reply & { ready?: boolean; port?: number }) => {
      if (message.ready) {
        clearTimeout(timer);
        resolve(message.port ?? 0);
      } else pending.get(message.id)?.(message);
    });
  });
  const ask = (query: Omit<UpstreamQuery, "id"> & Record<string, unknown>): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the upstream did not answer ${query.type}`));
      }, 5000);
      pending.set(id, (reply) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(reply);
      });
      child.send({ ...query, id });
    });
  let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
  for (let index = 0; index < 20; index += 1) {
    const sent = epochMs();
    const reply = await ask({ type: "ping" });
    const received = epochMs();
    if (received - sent < best.rtt) best = { rtt: received - sent, offset: (reply.now as number) - (sent + received) / 2 };
  }
  const offset = best.offset;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    pid: child.pid ?? 0,
    clockOffsetMs: offset,
    aborts: async (tags) => {
      const reply = await ask({ type: "aborts", tags });
      return (reply.aborts as (number | null)[]).map((at) => (at === null ? null : at - offset));
    },
    counts: async () => (await ask({ type: "counts" })).counts as { requests: number; aborted: number; socketCloses: number },
    stop: async () => {
      if (child.connected) child.disconnect();
      await stopChild(child, 3000);
    },
  };
}
