import type { Results } from "../results.ts";
import type { CapacityArm } from "../scenarios/capacity.ts";
import { num, table } from "./format.ts";

const streamsFigure = (arm: CapacityArm | undefined): string => {
  if (!arm) return "—";
  const failed = arm.steps.find((step) => step.clean < step.streams);
  const top = arm.reachedTop ? " (the sweep's top)" : "";
  return failed ? `${arm.cleanUpTo} (${failed.clean}/${failed.streams} at ${failed.streams})` : `${arm.cleanUpTo}${top}`;
};

/**
 * The performance issue's table, filled from this run: each figure for Switchyard and, where
 * it has one, for Portkey in the same run, beside the goal. Verdicts are in "Targets".
 */
export function issueTable(results: Results): string {
  const { latency, throughput, streaming, capacity, memory, scaleOut } = results.scenarios;
  const rps = (concurrency: number, arm: "switchyard" | "portkey") =>
    throughput?.levels.find((level) => level.concurrency === concurrency)?.arms[arm]?.rps;
  const ratio = (concurrency: number) => {
    const ours = rps(concurrency, "switchyard");
    const theirs = rps(concurrency, "portkey");
    return ours !== undefined && theirs !== undefined ? ` (×${num(ours / theirs, 2)})` : "";
  };
  const ttft = (arm: "switchyard" | "portkey") => {
    const added = streaming?.arms[arm]?.added;
    return added ? `+${num(added.ttftP50Ms, 1)} / +${num(added.ttftP99Ms, 1)} ms` : "—";
  };
  const gateway = memory?.processes.gateway;
  const rows = [
    [
      "added latency p50, concurrency 1",
      `+${num(latency?.arms.switchyard?.added?.p50Ms)} ms`,
      latency?.arms.portkey?.added ? `+${num(latency.arms.portkey.added.p50Ms)} ms` : "—",
      "≤ 1 ms, and below Portkey's in the same run",
    ],
    [
      "throughput, concurrency 16",
      `${num(rps(16, "switchyard"), 0)} req/s${ratio(16)}`,
      `${num(rps(16, "portkey"), 0)} req/s`,
      "≥ 2× Portkey's",
    ],
    [
      "throughput, concurrency 64",
      `${num(rps(64, "switchyard"), 0)} req/s${ratio(64)}`,
      `${num(rps(64, "portkey"), 0)} req/s`,
      "≥ 2× Portkey's",
    ],
    ["added TTFT p50 / p99 (paced)", ttft("switchyard"), ttft("portkey"), "≤ 2 / ≤ 5 ms"],
    ["concurrent paced streams, all clean", streamsFigure(capacity?.arms.switchyard), streamsFigure(capacity?.arms.portkey), "≥ 512"],
    [
      "gateway RSS idle / under load (max)",
      gateway ? `${num(gateway.idleMb, 0)} / ${num(gateway.loadMaxMb, 0)} MB` : "—",
      "—",
      "≤ 60 / ≤ 80 MB",
    ],
    ["executor RSS under load (max)", `${num(memory?.processes.executor?.loadMaxMb, 0)} MB`, "—", "≤ 120 MB"],
    ["2 executors vs 1, CPU-heavy pipeline", scaleOut?.speedup ? `×${num(scaleOut.speedup, 2)}` : "—", "—", "≥ ×1.7"],
  ];
  return table(["figure", "Switchyard", "Portkey", "goal"], rows);
}
