import { keepAliveAgent } from "../client.ts";
import { closedLoop, cpuPerRequest, type LoadRun, mergeRuns } from "../load.ts";
import type { BenchContext } from "../options.ts";
import { percentile, round } from "../stats.ts";
import { cpuInput, cpuItems, cpuTemplates } from "../system.ts";

/** Scenario 7: requests/s of a CPU-heavy pipeline with one and with two executor processes. */
export interface ScaleOutPoint {
  executors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Runs answered by each executor (x-switchyard-executor). */
  byExecutor: Record<string, number>;
  cpuMsPerRequest: Record<string, number>;
}

export interface ScaleOutResult {
  workload: string;
  concurrency: number;
  /** One run alone (concurrency 1, one executor): its latency. */
  singleRunP50Ms: number;
  one: ScaleOutPoint;
  two: ScaleOutPoint;
  speedup: number;
}

function point(executors: number, run: LoadRun): ScaleOutPoint {
  const sorted = run.latencies.sort((a, b) => a - b);
  return {
    executors,
    rps: round(run.completed / (run.measuredMs / 1000), 1),
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    errors: run.errors,
    byExecutor: run.executors,
    cpuMsPerRequest: cpuPerRequest(run),
  };
}

export async function runScaleOut(context: BenchContext): Promise<ScaleOutResult> {
  const { concurrency, warmMs, measureMs } = context.settings.scaleOut;
  const agent = keepAliveAgent(concurrency);
  const base = {
    url: `${context.system.url()}/bench-cpu/run`,
    headers: { "x-api-key": context.system.adminKey },
    body: cpuInput(),
    agent,
    warmMs,
    measureMs,
  };
  const pids = { gateway: context.pids.gateway ?? 0, executor: context.pids.executor ?? 0, nats: context.pids.nats ?? 0 };
  try {
    const single = await closedLoop({ ...base, concurrency: 1, warmMs: 300, measureMs: 1000, pids });
    // A workload that only fails measures nothing: say so instead of reporting 0 req/s.
    if (single.completed === 0) throw new Error(`every run of the CPU-heavy pipeline failed (${single.errors} errors)`);
    const singleRunP50Ms = round(
      percentile(
        single.latencies.sort((a, b) => a - b),
        50,
      ),
    );
    context.log(`  one run alone: p50 ${singleRunP50Ms} ms; executor CPU ${cpuPerRequest(single).executor} ms per run`);
    // One executor, two, one again… (A B A, or A B A B A): drift over the scenario favours neither.
    const ones: LoadRun[] = [await closedLoop({ ...base, concurrency, pids })];
    const twos: LoadRun[] = [];
    context.log(`  1 executor: ${point(1, ones[0] as LoadRun).rps} req/s`);
    for (let cycle = 0; cycle < context.settings.scaleOut.cycles; cycle += 1) {
      const second = await context.system.startExecutor();
      try {
        const run = await closedLoop({ ...base, concurrency, warmMs: warmMs * 2, pids: { ...pids, executor2: second.pid } });
        twos.push(run);
        context.log(`  2 executors: ${point(2, run).rps} req/s (runs per executor: ${Object.values(run.executors).join(" / ")})`);
      } finally {
        await second.stop();
      }
      const run = await closedLoop({ ...base, concurrency, pids });
      ones.push(run);
      context.log(`  1 executor: ${point(1, run).rps} req/s`);
    }
    const one = point(1, mergeRuns(ones));
    const two = point(2, mergeRuns(twos));
    const result: ScaleOutResult = {
      workload: `${cpuTemplates} independent template components, each rendering a Mustache section over the ${cpuItems} items of the input (POST /bench-cpu/run)`,
      concurrency,
      singleRunP50Ms,
      one,
      two,
      speedup: round(two.rps / one.rps, 2),
    };
    context.log(`  speedup with 2 executors: ×${result.speedup}`);
    return result;
  } finally {
    agent.destroy();
  }
}
