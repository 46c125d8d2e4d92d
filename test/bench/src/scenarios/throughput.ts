import { type ArmName, chatBody, keepAliveAgent } from "../client.ts";
import { closedLoop, cpuPerRequest, type LoadRun, mergeRuns } from "../load.ts";
import type { BenchContext } from "../options.ts";
import { percentile, round } from "../stats.ts";

/** Scenario 2: requests/s with p50/p99 at each concurrency, non-streaming, zero-delay upstream. */
export interface ThroughputPoint {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  completed: number;
  errors: number;
  firstError?: string;
  /** Within 10% of direct at the same concurrency: the upstream (or the load generator), not the gateway, is the limit. */
  upstreamBound: boolean;
  /** CPU ms per request of each process (bench = load generator, upstream, and the system's processes). */
  cpuMsPerRequest: Record<string, number>;
}

export interface ThroughputLevel {
  concurrency: number;
  arms: Partial<Record<ArmName, ThroughputPoint>>;
}

export interface ThroughputResult {
  measureMsPerArm: number;
  levels: ThroughputLevel[];
}

export async function runThroughput(context: BenchContext): Promise<ThroughputResult> {
  const { levels, segments, warmMs, measureMs } = context.settings.throughput;
  const biggest = Math.max(...levels);
  const agents = new Map(context.arms.map((arm) => [arm.name, keepAliveAgent(biggest)]));
  const result: ThroughputResult = { measureMsPerArm: segments * measureMs, levels: [] };
  try {
    for (const concurrency of levels) {
      const runs = new Map<ArmName, LoadRun[]>(context.arms.map((arm) => [arm.name, []]));
      for (let segment = 0; segment < segments; segment += 1) {
        // A B C, then C B A: each arm sees the machine early and late in the level.
        const order = segment % 2 === 0 ? context.arms : [...context.arms].reverse();
        for (const arm of order) {
          const agent = agents.get(arm.name);
          if (!agent) continue;
          const run = await closedLoop({
            url: arm.url,
            headers: arm.headers,
            body: chatBody(arm.models.zero, "How many per second?", false),
            agent,
            concurrency,
            warmMs,
            measureMs,
            pids: context.pids,
          });
          runs.get(arm.name)?.push(run);
        }
      }
      const level: ThroughputLevel = { concurrency, arms: {} };
      for (const arm of context.arms) {
        const run = mergeRuns(runs.get(arm.name) ?? []);
        const sorted = run.latencies.sort((a, b) => a - b);
        level.arms[arm.name] = {
          rps: round(run.completed / (run.measuredMs / 1000), 1),
          p50Ms: round(percentile(sorted, 50)),
          p99Ms: round(percentile(sorted, 99)),
          completed: run.completed,
          errors: run.errors,
          ...(run.firstError ? { firstError: run.firstError } : {}),
          upstreamBound: false,
          cpuMsPerRequest: cpuPerRequest(run),
        };
      }
      const ceiling = level.arms.direct?.rps ?? Number.POSITIVE_INFINITY;
      for (const arm of context.arms) {
        const point = level.arms[arm.name];
        if (!point) continue;
        point.upstreamBound = arm.name !== "direct" && point.rps >= 0.9 * ceiling;
        const cpu = Object.entries(point.cpuMsPerRequest)
          .filter(([, ms]) => ms >= 0.005)
          .map(([name, ms]) => `${name} ${ms}`)
          .join(", ");
        context.log(
          `  c=${concurrency} ${arm.name}: ${point.rps} req/s, p50 ${point.p50Ms} ms, p99 ${point.p99Ms} ms` +
            `${point.errors ? `, ${point.errors} errors (${point.firstError})` : ""}${point.upstreamBound ? " [upstream-bound]" : ""}` +
            ` | CPU ms/req: ${cpu}`,
        );
      }
      result.levels.push(level);
    }
  } finally {
    for (const agent of agents.values()) agent.destroy();
  }
  return result;
}
