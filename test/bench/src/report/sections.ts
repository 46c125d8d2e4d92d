import type { ArmName } from "../client.ts";
import type { Results } from "../results.ts";
import { armLabel, num, signed, table, thousands } from "./format.ts";

const armsOf = <T>(record: Partial<Record<ArmName, T>>): ArmName[] =>
  (["direct", "switchyard", "portkey"] as const).filter((arm) => record[arm] !== undefined);

export function latencySection(results: Results): string {
  const latency = results.scenarios.latency;
  if (!latency) return "Not measured in this run.";
  const rows = armsOf(latency.arms).map((arm) => {
    const entry = latency.arms[arm];
    const added = entry?.added;
    return [
      armLabel[arm],
      num(entry?.all.p50, 3),
      num(entry?.all.p99, 3),
      added ? signed(added.p50Ms, 3) : "(baseline)",
      added ? `${signed(added.minMs, 3)} … ${signed(added.maxMs, 3)} (IQR ${signed(added.q1Ms, 3)} … ${signed(added.q3Ms, 3)})` : "",
      added ? signed(added.p99Ms, 3) : "",
      entry?.errors ?? 0,
    ];
  });
  return [
    `${latency.rounds} rounds × ${latency.perRound} sequential requests per arm (after ${latency.warmup} warm-up requests each), arms in a rotating order each round. Times in ms, to the last byte of the answer.`,
    "",
    table(
      ["arm", "p50", "p99", "added p50 (median of round medians − direct's)", "spread over rounds: min … max", "added p99", "errors"],
      rows,
    ),
  ].join("\n");
}

export function throughputSection(results: Results): string {
  const throughput = results.scenarios.throughput;
  if (!throughput) return "Not measured in this run.";
  const arms = armsOf(throughput.levels[0]?.arms ?? {});
  const rows = throughput.levels.map((level) => [
    level.concurrency,
    ...arms.map((arm) => {
      const point = level.arms[arm];
      if (!point) return "–";
      const errors = point.errors ? `, ${point.errors} errors` : "";
      return `${thousands(point.rps)} req/s (${num(point.p50Ms)} / ${num(point.p99Ms)} ms)${point.upstreamBound ? " †" : ""}${errors}`;
    }),
  ]);
  return [
    `Closed loop: N workers, each sending the next request as the last one answers; ${throughput.measureMsPerArm / 1000} s measured per arm and level, in two segments (A B C, then C B A) after a warm-up. Cells: requests/s (p50 / p99 latency).`,
    "",
    table(["concurrency", ...arms.map((arm) => armLabel[arm])], rows),
    "",
    "† within 10% of direct at the same concurrency: upstream-bound (the upstream or the load generator is the limit, not the gateway). None is marked when no figure came that close.",
  ].join("\n");
}

/** CPU time per request of every process, the measured answer to "where does the time go". */
export function cpuSection(results: Results): string {
  const throughput = results.scenarios.throughput;
  if (!throughput) return "";
  const levels = throughput.levels.filter((level) => level.concurrency >= 16);
  const blocks = levels.map((level) => {
    const arms = armsOf(level.arms);
    const processes = [...new Set(arms.flatMap((arm) => Object.keys(level.arms[arm]?.cpuMsPerRequest ?? {})))];
    // Blank where a process had nothing to do with an arm (a few µs of idle timers).
    const cell = (ms: number | undefined) => (ms === undefined || ms < 0.02 ? "" : num(ms, 3));
    const rows = processes.map((name) => [name, ...arms.map((arm) => cell(level.arms[arm]?.cpuMsPerRequest[name]))]);
    const totals = arms.map((arm) => Object.values(level.arms[arm]?.cpuMsPerRequest ?? {}).reduce((sum, ms) => sum + (ms || 0), 0));
    rows.push(["**all processes**", ...totals.map((total) => `**${num(total, 3)}**`)]);
    rows.push([
      "CPU-bound ceiling on these cores",
      ...totals.map((total) => `${thousands((results.environment.cores * 1000) / total)} req/s`),
    ]);
    return [
      `At concurrency ${level.concurrency} (CPU ms per request, from /proc/<pid>/stat):`,
      "",
      table(["process", ...arms.map((arm) => armLabel[arm])], rows),
    ].join("\n");
  });
  return blocks.join("\n\n");
}

export function streamingSection(results: Results): string {
  const streaming = results.scenarios.streaming;
  const capacity = results.scenarios.capacity;
  const parts: string[] = [];
  if (streaming) {
    const rows = armsOf(streaming.arms).map((arm) => {
      const entry = streaming.arms[arm];
      const added = entry?.added;
      return [
        armLabel[arm],
        `${num(entry?.ttft.p50)} / ${num(entry?.ttft.p99)}`,
        `${num(entry?.gaps.p50)} / ${num(entry?.gaps.p99)}`,
        added ? `${signed(added.ttftP50Ms)} / ${signed(added.ttftP99Ms)}` : "(baseline)",
        added ? `${signed(added.gapP50Ms)} / ${signed(added.gapP99Ms)}` : "",
        `${entry?.clean ?? 0}/${entry?.streams ?? 0}`,
      ];
    });
    parts.push(
      `Paced upstream (a role chunk, 64 content deltas 20 ms apart, finish, usage, \`[DONE]\`); ${streaming.rounds} rounds of ${streaming.concurrentStreams} concurrent streams per arm, arms interleaved. TTFT is request start → first content delta; gaps are between consecutive content deltas. ms, p50 / p99.`,
      "",
      table(["arm", "TTFT", "inter-chunk gap", "added TTFT", "added gap", "clean streams"], rows),
    );
  }
  if (capacity) {
    const arms = armsOf(capacity.arms);
    const rows = capacity.levels
      .map((streams) => [
        streams,
        ...arms.map((arm) => {
          const step = capacity.arms[arm]?.steps.find((candidate) => candidate.streams === streams);
          if (!step) return "";
          return `${step.clean}/${step.streams} clean, worst gap ${num(step.worstGapMs, 0)} ms, TTFT p99 ${num(step.ttftP99Ms, 0)} ms`;
        }),
      ])
      .filter((row) => row.slice(1).some((cell) => cell !== ""));
    const summary = arms.map((arm) => `${armLabel[arm]} ${capacity.arms[arm]?.cleanUpTo ?? 0}${capacity.arms[arm]?.reachedTop ? "+" : ""}`);
    parts.push(
      "",
      "Concurrent paced streams, started at once; a level is clean when every stream got all 64 deltas and `[DONE]` with no gap over 200 ms (10× the pacing). Each arm stops at its first level that is not clean.",
      "",
      table(["streams", ...arms.map((arm) => armLabel[arm])], rows),
      "",
      `Largest clean level: ${summary.join(", ")} ("+": still clean at the sweep's top).`,
    );
  }
  return parts.length ? parts.join("\n") : "Not measured in this run.";
}
