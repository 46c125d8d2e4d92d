import { type Arm, type ArmName, chatBody, keepAliveAgent, postChat } from "../client.ts";
import type { BenchContext } from "../options.ts";
import { median, percentile, rotate, round, roundSummary, type Summary, summarize } from "../stats.ts";

/** Scenario 1: added latency, non-streaming, concurrency 1, arms interleaved in rounds. */
export interface LatencyArm {
  roundMediansMs: number[];
  all: Summary;
  errors: number;
  /** Against direct: median over rounds of (this arm's round median − direct's), its spread, and the p99 difference. */
  added?: { p50Ms: number; minMs: number; q1Ms: number; q3Ms: number; maxMs: number; p99Ms: number };
}

export interface LatencyResult {
  rounds: number;
  perRound: number;
  warmup: number;
  arms: Partial<Record<ArmName, LatencyArm>>;
}

export async function runLatency(context: BenchContext): Promise<LatencyResult> {
  const { warmup, rounds, perRound } = context.settings.latency;
  const arms = context.arms;
  const agents = new Map(arms.map((arm) => [arm.name, keepAliveAgent(1)]));
  const bodies = new Map(arms.map((arm) => [arm.name, chatBody(arm.models.zero, "How far is it?", false)]));
  const samples = new Map<ArmName, number[]>(arms.map((arm) => [arm.name, []]));
  const roundMedians = new Map<ArmName, number[]>(arms.map((arm) => [arm.name, []]));
  const errors = new Map<ArmName, number>(arms.map((arm) => [arm.name, 0]));
  const sequential = async (arm: Arm, count: number): Promise<number[]> => {
    const times: number[] = [];
    for (let index = 0; index < count; index += 1) {
      const result = await postChat(arm, bodies.get(arm.name) ?? "", agents.get(arm.name) ?? keepAliveAgent(1), 5000);
      if (result.ok) times.push(result.ms);
      else errors.set(arm.name, (errors.get(arm.name) ?? 0) + 1);
    }
    return times;
  };
  try {
    for (const arm of arms) await sequential(arm, warmup);
    for (let index = 0; index < rounds; index += 1) {
      for (const arm of rotate(arms, index)) {
        const times = await sequential(arm, perRound);
        samples.get(arm.name)?.push(...times);
        roundMedians.get(arm.name)?.push(median(times));
      }
      const line = arms.map((arm) => `${arm.name} ${round(roundMedians.get(arm.name)?.at(-1) ?? Number.NaN, 2)} ms`).join(", ");
      context.log(`  round ${index + 1}/${rounds} medians: ${line}`);
    }
  } finally {
    for (const agent of agents.values()) agent.destroy();
  }
  const direct = roundMedians.get("direct") ?? [];
  const directAll = summarize(samples.get("direct") ?? []);
  const result: LatencyResult = { rounds, perRound, warmup, arms: {} };
  for (const arm of arms) {
    const medians = roundMedians.get(arm.name) ?? [];
    const all = summarize(samples.get(arm.name) ?? []);
    const entry: LatencyArm = {
      roundMediansMs: medians.map((value) => round(value)),
      all: roundSummary(all),
      errors: errors.get(arm.name) ?? 0,
    };
    if (arm.name !== "direct") {
      const differences = medians.map((value, index) => value - (direct[index] ?? Number.NaN)).sort((a, b) => a - b);
      entry.added = {
        p50Ms: round(percentile(differences, 50)),
        minMs: round(differences[0] ?? Number.NaN),
        q1Ms: round(percentile(differences, 25)),
        q3Ms: round(percentile(differences, 75)),
        maxMs: round(differences.at(-1) ?? Number.NaN),
        p99Ms: round(all.p99 - directAll.p99),
      };
      context.log(
        `  ${arm.name}: added p50 ${entry.added.p50Ms} ms (rounds ${entry.added.minMs}…${entry.added.maxMs}), added p99 ${entry.added.p99Ms} ms`,
      );
    }
    result.arms[arm.name] = entry;
  }
  return result;
}
