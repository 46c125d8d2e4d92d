import type { ArmName } from "../client.ts";
import type { BenchContext } from "../options.ts";
import { isClean, pacedBatch } from "../paced.ts";
import { percentile, rotate, round, sleep } from "../stats.ts";

/** Scenario 3b: the most concurrent paced streams each arm carries with every stream clean. */
export interface CapacityStep {
  streams: number;
  clean: number;
  errors: number;
  worstGapMs: number;
  fewestDeltas: number;
  ttftP99Ms: number;
  benchLoopDelayP99Ms: number;
  /** CPU µs per delivered delta of each process (from /proc): who was busy. */
  cpuUsPerDelta: Record<string, number>;
  firstProblem?: string;
}

export interface CapacityArm {
  /** Largest level with every stream clean (0: not even the first). */
  cleanUpTo: number;
  /** Whether the sweep stopped at its last level with every stream still clean. */
  reachedTop: boolean;
  steps: CapacityStep[];
}

export interface CapacityResult {
  levels: number[];
  arms: Partial<Record<ArmName, CapacityArm>>;
}

/** Only the processes that did some work for this arm. */
function busiest(cpu: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(cpu).filter(([, us]) => us >= 5));
}

export async function runCapacity(context: BenchContext): Promise<CapacityResult> {
  const { levels, timeoutMs } = context.settings.capacity;
  const result: CapacityResult = { levels, arms: {} };
  for (const arm of context.arms) result.arms[arm.name] = { cleanUpTo: 0, reachedTop: false, steps: [] };
  let alive = [...context.arms];
  for (const [levelIndex, streams] of levels.entries()) {
    for (const arm of rotate(alive, levelIndex)) {
      const batch = await pacedBatch(arm, streams, `capacity ${streams}`, timeoutMs, context.pids);
      const clean = batch.streams.filter(isClean).length;
      const problem = batch.streams.find((stream) => !isClean(stream));
      const gaps = batch.streams.map((stream) => Math.max(0, ...stream.gaps));
      const ttfts = batch.streams.map((stream) => stream.ttft).filter(Number.isFinite);
      const step: CapacityStep = {
        streams,
        clean,
        errors: batch.streams.filter((stream) => !stream.ok).length,
        worstGapMs: round(Math.max(0, ...gaps), 1),
        fewestDeltas: Math.min(...batch.streams.map((stream) => stream.deltas)),
        ttftP99Ms: round(
          percentile(
            ttfts.sort((a, b) => a - b),
            99,
          ),
          1,
        ),
        benchLoopDelayP99Ms: round(batch.benchLoopDelayP99Ms, 1),
        cpuUsPerDelta: busiest(batch.cpuUsPerDelta),
        ...(problem
          ? { firstProblem: problem.error ?? `${problem.deltas} deltas, worst gap ${round(Math.max(0, ...problem.gaps), 1)} ms` }
          : {}),
      };
      const entry = result.arms[arm.name];
      entry?.steps.push(step);
      if (entry && clean === streams) entry.cleanUpTo = streams;
      context.log(
        `  ${streams} streams ${arm.name}: ${clean}/${streams} clean, worst gap ${step.worstGapMs} ms, TTFT p99 ${step.ttftP99Ms} ms,` +
          ` bench loop delay p99 ${step.benchLoopDelayP99Ms} ms, CPU µs/delta ${JSON.stringify(step.cpuUsPerDelta)}` +
          `${step.firstProblem ? ` (${step.firstProblem})` : ""}`,
      );
      if (clean !== streams) alive = alive.filter((candidate) => candidate.name !== arm.name);
      await sleep(500);
    }
    if (alive.length === 0) break;
  }
  for (const arm of alive) {
    const entry = result.arms[arm.name];
    if (entry) entry.reachedTop = true;
  }
  return result;
}
