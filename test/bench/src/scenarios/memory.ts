import { spawn } from "node:child_process";
import { repoRoot } from "@switchyard/local";
import { type Arm, chatBody, keepAliveAgent, streamChat } from "../client.ts";
import { closedLoop } from "../load.ts";
import { type BenchContext, arm as findArm } from "../options.ts";
import { isClean } from "../paced.ts";
import { residentMb } from "../procs.ts";
import { median, round, sleep } from "../stats.ts";

/** Scenario 5: resident memory (VmRSS) of each process of the system, idle, under steady load, and after. */
export interface ProcessMemory {
  idleMb: number;
  loadMaxMb: number;
  loadMedianMb: number;
  afterMb: number;
}

export interface MemoryResult {
  loadMs: number;
  afterMs: number;
  load: { concurrency: number; requests: number; requestErrors: number; streams: number; streamsClean: number };
  processes: Record<string, ProcessMemory>;
  /** Resident memory of an idle Node process with nothing loaded, and with only tsx loaded (what running a service from source adds; the bench runs the built bundles). */
  floors: { nodeMb: number; nodeWithTsxMb: number };
}

/** What any idle Node process costs here, with and without tsx: the floor under every service's figure. */
async function floors(): Promise<MemoryResult["floors"]> {
  const measure = async (args: string[]) => {
    const child = spawn(process.execPath, [...args, "-e", "setTimeout(() => {}, 10000)"], { cwd: repoRoot, stdio: "ignore" });
    try {
      await sleep(2000);
      return round(await residentMb(child.pid ?? 0), 1);
    } finally {
      child.kill("SIGKILL");
    }
  };
  const [nodeMb, nodeWithTsxMb] = await Promise.all([measure([]), measure(["--import", "tsx"])]);
  return { nodeMb, nodeWithTsxMb };
}

export async function sampleMemory(pids: Record<string, number>): Promise<Record<string, number>> {
  const entries = await Promise.all(Object.entries(pids).map(async ([name, pid]) => [name, round(await residentMb(pid), 1)] as const));
  return Object.fromEntries(entries);
}

export async function runMemory(context: BenchContext, pids: Record<string, number>, idle: Record<string, number>): Promise<MemoryResult> {
  const { loadMs, afterMs, sampleMs, concurrency, streams } = context.settings.memory;
  const switchyard = findArm(context, "switchyard") as Arm;
  const samples: Record<string, number>[] = [];
  const end = performance.now() + loadMs;
  const agent = keepAliveAgent(concurrency);
  let streamCount = 0;
  let streamsClean = 0;
  const streamWorker = async () => {
    while (performance.now() < end) {
      const stream = await streamChat(switchyard, switchyard.models.paced, "memory", { timeoutMs: 15_000 });
      streamCount += 1;
      if (isClean(stream)) streamsClean += 1;
    }
  };
  const sampler = (async () => {
    while (performance.now() < end) {
      await sleep(sampleMs);
      samples.push(await sampleMemory(pids));
    }
  })();
  const [json] = await Promise.all([
    closedLoop({
      url: switchyard.url,
      headers: switchyard.headers,
      body: chatBody(switchyard.models.zero, "memory", false),
      agent,
      concurrency,
      warmMs: 0,
      measureMs: loadMs,
      pids: {},
    }),
    ...Array.from({ length: streams }, streamWorker),
    sampler,
  ]).finally(() => agent.destroy());
  const load = { concurrency, requests: json.completed, requestErrors: json.errors, streams: streamCount, streamsClean };
  context.log(`  load: ${load.requests} requests (${load.requestErrors} errors) and ${streamCount} paced streams (${streamsClean} clean)`);
  context.log(`  waiting ${afterMs / 1000} s after the load`);
  await sleep(afterMs);
  const after = await sampleMemory(pids);
  const result: MemoryResult = { loadMs, afterMs, load, processes: {}, floors: await floors() };
  context.log(`  floors: idle node ${result.floors.nodeMb} MB, idle node --import tsx ${result.floors.nodeWithTsxMb} MB`);
  for (const name of Object.keys(pids)) {
    const values = samples.map((sample) => sample[name] ?? Number.NaN).filter(Number.isFinite);
    result.processes[name] = {
      idleMb: idle[name] ?? Number.NaN,
      loadMaxMb: round(Math.max(...values), 1),
      loadMedianMb: round(median(values), 1),
      afterMb: after[name] ?? Number.NaN,
    };
    const entry = result.processes[name];
    context.log(
      `  ${name}: idle ${entry.idleMb} MB, load median ${entry.loadMedianMb} / max ${entry.loadMaxMb} MB, after ${entry.afterMb} MB`,
    );
  }
  return result;
}
