import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { freePort, stopChild } from "@switchyard/local";
import { sleep } from "./stats.ts";

const require = createRequire(import.meta.url);

export interface Portkey {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Portkey's open-source gateway from npm, as a child process on a free port (`--port=`),
 * `--headless` and NODE_ENV=production (no log UI), until it answers HTTP.
 */
export async function startPortkey(): Promise<Portkey> {
  const port = await freePort();
  const entry = require.resolve("@portkey-ai/gateway/build/start-server.js");
  const child = spawn(process.execPath, [entry, `--port=${port}`, "--headless"], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (piece: Buffer) => {
    output = (output + piece.toString()).slice(-4096);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopChild(child, 3000);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Portkey exited (${child.exitCode}):\n${output}`);
    const answered = await fetch(`${url}/`, { signal: AbortSignal.timeout(1000) }).then(
      () => true,
      () => false,
    );
    if (answered) return { url, pid: child.pid ?? 0, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`Portkey did not answer in 30 s:\n${output}`);
}
