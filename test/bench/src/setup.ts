import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Arm, chatBody, keepAliveAgent, postChat, streamChat } from "./client.ts";
import type { BenchContext, Options } from "./options.ts";
import { startPortkey } from "./portkey.ts";
import { natsPid } from "./procs.ts";
import { directArm, portkeyArm, startBenchSystem, switchyardArm } from "./system.ts";
import { startUpstreamProcess } from "./upstream-process.ts";

export interface Stoppable {
  name: string;
  stop(): Promise<void>;
}

export interface Setup {
  context: BenchContext;
  /** Switchyard's own processes (name → pid), for memory and profiles. */
  services: Record<string, number>;
}

async function smoke(arm: Arm): Promise<void> {
  const agent = keepAliveAgent(1);
  try {
    const result = await postChat(arm, chatBody(arm.models.zero, "hello", false), agent, 10_000);
    if (!result.ok) throw new Error(`${arm.name} does not answer a chat completion: ${result.error ?? result.status}`);
    const stream = await streamChat(arm, arm.models.zero, "hello", { timeoutMs: 10_000 });
    if (!stream.ok || stream.deltas === 0)
      throw new Error(`${arm.name} does not stream a chat completion: ${stream.error ?? stream.status}`);
  } finally {
    agent.destroy();
  }
}

/**
 * Starts the upstream, Switchyard and Portkey, checks that each arm answers, and pushes a
 * stopper for each onto `cleanups` as soon as it runs (so a failure later still stops it).
 * A Portkey that does not start or answer is recorded in `problems` and left out.
 */
export async function setUp(
  options: Options,
  cleanups: Stoppable[],
  problems: { scenario: string; message: string }[],
  log: (line: string) => void,
  profileDir: string,
): Promise<Setup> {
  const upstream = await startUpstreamProcess();
  cleanups.push({ name: "upstream", stop: upstream.stop });
  const extraEnv: Record<string, string> = {};
  if (options.profile) {
    mkdirSync(profileDir, { recursive: true });
    // Node refuses --cpu-prof in NODE_OPTIONS; an --import hook starts the inspector's profiler instead.
    extraEnv.NODE_OPTIONS = `--import ${fileURLToPath(new URL("./cpu-profile-hook.mjs", import.meta.url))}`;
    extraEnv.SWITCHYARD_BENCH_PROFILE_DIR = profileDir;
    log(`services write CPU profiles to ${profileDir} (profiling slows them down: figures of this run are not comparable)`);
  }
  const system = await startBenchSystem(upstream, extraEnv);
  cleanups.push({ name: "system", stop: system.stop });
  const arms = [directArm(upstream), switchyardArm(system)];
  let portkeyPid: number | undefined;
  if (!options.withoutPeer) {
    try {
      const portkey = await startPortkey();
      cleanups.push({ name: "portkey", stop: portkey.stop });
      portkeyPid = portkey.pid;
      const peer = portkeyArm(portkey, upstream);
      await smoke(peer);
      arms.push(peer);
    } catch (error) {
      portkeyPid = undefined;
      problems.push({ scenario: "Portkey", message: error instanceof Error ? error.message : String(error) });
    }
  }
  for (const arm of arms.slice(0, 2)) await smoke(arm);
  log(`upstream ${upstream.baseUrl}, Switchyard ${system.url()}, arms: ${arms.map((arm) => arm.name).join(", ")}`);
  const services = {
    gateway: system.gateways[0]?.pid ?? 0,
    executor: system.executors[0]?.pid ?? 0,
    registry: system.registry?.pid ?? 0,
  };
  const nats = natsPid(system.infra.natsUrl);
  const pids: Record<string, number> = { bench: process.pid, upstream: upstream.pid, ...services, ...(nats ? { nats } : {}) };
  if (portkeyPid) pids.portkey = portkeyPid;
  return { context: { settings: options.settings, arms, upstream, system, pids, log }, services };
}
