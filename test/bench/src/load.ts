import type { Agent } from "node:http";
import { postJson, type Timed } from "./client.ts";
import { cpuSnapshot } from "./procs.ts";

export interface LoadRun {
  completed: number;
  errors: number;
  measuredMs: number;
  latencies: number[];
  /** CPU ms each accounted process used during the measured window. */
  cpuMs: Record<string, number>;
  executors: Record<string, number>;
  firstError?: string;
}

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  body: string;
  agent: Agent;
  concurrency: number;
  warmMs: number;
  measureMs: number;
  pids: Record<string, number>;
}

/**
 * Closed-loop load: `concurrency` workers, each sending the next request when the last one
 * answered. Counts the requests that complete inside the measured window (after warm-up).
 */
export async function closedLoop(spec: LoadSpec): Promise<LoadRun> {
  const run: LoadRun = { completed: 0, errors: 0, measuredMs: spec.measureMs, latencies: [], cpuMs: {}, executors: {} };
  const measureFrom = performance.now() + spec.warmMs;
  const end = measureFrom + spec.measureMs;
  let before: Record<string, number> = {};
  const started = setTimeout(() => {
    before = cpuSnapshot(spec.pids);
  }, spec.warmMs);
  const record = (result: Timed, finished: number) => {
    if (finished < measureFrom || finished > end) return;
    if (!result.ok) {
      run.errors += 1;
      run.firstError ??= result.error;
      return;
    }
    run.completed += 1;
    run.latencies.push(result.ms);
    if (result.executor) run.executors[result.executor] = (run.executors[result.executor] ?? 0) + 1;
  };
  const worker = async () => {
    while (performance.now() < end) {
      const result = await postJson(spec.url, spec.headers, spec.body, spec.agent, 10_000);
      record(result, performance.now());
    }
  };
  const measured = new Promise<Record<string, number>>((resolve) =>
    setTimeout(() => resolve(cpuSnapshot(spec.pids)), spec.warmMs + spec.measureMs),
  );
  await Promise.all(Array.from({ length: spec.concurrency }, worker));
  clearTimeout(started);
  const after = await measured;
  run.cpuMs = Object.fromEntries(Object.keys(spec.pids).map((name) => [name, (after[name] ?? 0) - (before[name] ?? 0)]));
  return run;
}

/** Adds several runs of the same arm and level (segments interleaved with other arms). */
export function mergeRuns(runs: LoadRun[]): LoadRun {
  const merged: LoadRun = { completed: 0, errors: 0, measuredMs: 0, latencies: [], cpuMs: {}, executors: {} };
  for (const run of runs) {
    merged.completed += run.completed;
    merged.errors += run.errors;
    merged.measuredMs += run.measuredMs;
    merged.latencies.push(...run.latencies);
    merged.firstError ??= run.firstError;
    for (const [name, ms] of Object.entries(run.cpuMs)) merged.cpuMs[name] = (merged.cpuMs[name] ?? 0) + ms;
    for (const [name, count] of Object.entries(run.executors)) merged.executors[name] = (merged.executors[name] ?? 0) + count;
  }
  return merged;
}

/** CPU ms per completed request for each process (in µs precision). */
export function cpuPerRequest(run: LoadRun): Record<string, number> {
  return Object.fromEntries(
    Object.entries(run.cpuMs).map(([name, ms]) => [name, run.completed ? Math.round((ms / run.completed) * 1000) / 1000 : Number.NaN]),
  );
}
