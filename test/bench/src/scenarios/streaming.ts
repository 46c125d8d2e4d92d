import type { ArmName } from "../client.ts";
import type { BenchContext } from "../options.ts";
import { isClean, pacedBatch } from "../paced.ts";
import { rotate, round, roundSummary, type Summary, summarize } from "../stats.ts";

/** Scenario 3a: time to first token and inter-chunk gaps of paced streams, against direct. */
export interface StreamingArm {
  streams: number;
  clean: number;
  ttft: Summary;
  gaps: Summary;
  firstError?: string;
  /** This arm's percentile minus direct's. */
  added?: { ttftP50Ms: number; ttftP99Ms: number; gapP50Ms: number; gapP99Ms: number };
}

export interface StreamingResult {
  rounds: number;
  concurrentStreams: number;
  arms: Partial<Record<ArmName, StreamingArm>>;
}

export async function runStreaming(context: BenchContext): Promise<StreamingResult> {
  const { rounds, concurrent } = context.settings.streaming;
  const ttfts = new Map<ArmName, number[]>(context.arms.map((arm) => [arm.name, []]));
  const gaps = new Map<ArmName, number[]>(context.arms.map((arm) => [arm.name, []]));
  const counts = new Map<ArmName, { streams: number; clean: number; firstError?: string }>(
    context.arms.map((arm) => [arm.name, { streams: 0, clean: 0 }]),
  );
  // A warm-up batch per arm (not counted): the first paced streams through a fresh process are cold.
  for (const arm of context.arms) await pacedBatch(arm, concurrent, "warm-up", 15_000, {});
  for (let index = 0; index < rounds; index += 1) {
    for (const arm of rotate(context.arms, index)) {
      const batch = await pacedBatch(arm, concurrent, `ttft ${index}`, 15_000, {});
      const count = counts.get(arm.name) ?? { streams: 0, clean: 0 };
      for (const stream of batch.streams) {
        count.streams += 1;
        if (isClean(stream)) count.clean += 1;
        else count.firstError ??= stream.error ?? `${stream.deltas} deltas, worst gap ${round(Math.max(0, ...stream.gaps), 1)} ms`;
        if (Number.isFinite(stream.ttft)) ttfts.get(arm.name)?.push(stream.ttft);
        gaps.get(arm.name)?.push(...stream.gaps);
      }
    }
    context.log(`  round ${index + 1}/${rounds} done`);
  }
  const result: StreamingResult = { rounds, concurrentStreams: concurrent, arms: {} };
  const direct = { ttft: summarize(ttfts.get("direct") ?? []), gaps: summarize(gaps.get("direct") ?? []) };
  for (const arm of context.arms) {
    const ttft = summarize(ttfts.get(arm.name) ?? []);
    const gap = summarize(gaps.get(arm.name) ?? []);
    const count = counts.get(arm.name) ?? { streams: 0, clean: 0 };
    const entry: StreamingArm = { ...count, ttft: roundSummary(ttft), gaps: roundSummary(gap) };
    if (arm.name !== "direct") {
      entry.added = {
        ttftP50Ms: round(ttft.p50 - direct.ttft.p50),
        ttftP99Ms: round(ttft.p99 - direct.ttft.p99),
        gapP50Ms: round(gap.p50 - direct.gaps.p50),
        gapP99Ms: round(gap.p99 - direct.gaps.p99),
      };
    }
    result.arms[arm.name] = entry;
    context.log(
      `  ${arm.name}: TTFT p50 ${entry.ttft.p50} / p99 ${entry.ttft.p99} ms, gap p50 ${entry.gaps.p50} / p99 ${entry.gaps.p99} ms` +
        `${entry.added ? ` → added TTFT ${entry.added.ttftP50Ms} / ${entry.added.ttftP99Ms} ms, gap ${entry.added.gapP50Ms} / ${entry.added.gapP99Ms} ms` : ""}` +
        `, ${count.clean}/${count.streams} clean${count.firstError ? ` (${count.firstError})` : ""}`,
    );
  }
  return result;
}
