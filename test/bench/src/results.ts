import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Settings } from "./options.ts";
import type { Environment } from "./procs.ts";
import type { AccessResult } from "./scenarios/access.ts";
import type { CancellationResult } from "./scenarios/cancellation.ts";
import type { CapacityResult } from "./scenarios/capacity.ts";
import type { LatencyResult } from "./scenarios/latency.ts";
import type { MemoryResult } from "./scenarios/memory.ts";
import type { ScaleOutResult } from "./scenarios/scale-out.ts";
import type { StreamingResult } from "./scenarios/streaming.ts";
import type { ThroughputResult } from "./scenarios/throughput.ts";

export interface TargetCheck {
  target: string;
  figure: string;
  /** null: could not be judged (the scenario or the peer did not run). */
  met: boolean | null;
}

/** Everything one run produced: the JSON file, and what BENCHMARKS.md is generated from. */
export interface Results {
  mode: Settings["mode"];
  startedAt: string;
  durationS: number;
  environment: Environment;
  settings: Settings;
  scenarios: {
    latency?: LatencyResult;
    throughput?: ThroughputResult;
    streaming?: StreamingResult;
    capacity?: CapacityResult;
    cancellation?: CancellationResult;
    memory?: MemoryResult;
    scaleOut?: ScaleOutResult;
    access?: AccessResult;
  };
  errors: { scenario: string; message: string }[];
  targets: TargetCheck[];
}

const judged = (value: number | undefined, ok: (value: number) => boolean): boolean | null =>
  value === undefined || Number.isNaN(value) ? null : ok(value);

/** The targets (goals, never assertions), judged against this run's figures. */
export function checkTargets(results: Results): TargetCheck[] {
  const { latency, throughput, streaming, capacity, cancellation, memory } = results.scenarios;
  const ours = latency?.arms.switchyard?.added;
  const theirs = latency?.arms.portkey?.added;
  const at16 = throughput?.levels.find((level) => level.concurrency === 16)?.arms;
  const streamed = streaming?.arms.switchyard?.added;
  const closes = cancellation ? Object.values(cancellation.windows).flatMap((window) => window.switchyard?.closeMs ?? []) : undefined;
  const worstClose = closes?.some((ms) => ms === null) ? Number.POSITIVE_INFINITY : Math.max(...(closes ?? []).map(Number));
  const gateway = memory?.processes.gateway?.loadMaxMb;
  const clean = capacity?.arms.switchyard;
  return [
    { target: "added latency p50 ≤ 1 ms", figure: `${ours?.p50Ms ?? "?"} ms`, met: judged(ours?.p50Ms, (ms) => ms <= 1) },
    {
      target: "added latency p50 under half of Portkey's",
      figure: `${ours?.p50Ms ?? "?"} ms vs Portkey ${theirs?.p50Ms ?? "?"} ms`,
      met: theirs && ours ? ours.p50Ms < theirs.p50Ms / 2 : null,
    },
    {
      target: "throughput at concurrency 16 ≥ 2× Portkey's",
      figure: `${at16?.switchyard?.rps ?? "?"} vs ${at16?.portkey?.rps ?? "?"} req/s (×${at16?.switchyard && at16.portkey ? (at16.switchyard.rps / at16.portkey.rps).toFixed(2) : "?"})`,
      met: at16?.switchyard && at16.portkey ? at16.switchyard.rps >= 2 * at16.portkey.rps : null,
    },
    { target: "added TTFT p99 ≤ 5 ms", figure: `${streamed?.ttftP99Ms ?? "?"} ms`, met: judged(streamed?.ttftP99Ms, (ms) => ms <= 5) },
    {
      target: "added inter-chunk gap p99 ≤ 1 ms",
      figure: `${streamed?.gapP99Ms ?? "?"} ms`,
      met: judged(streamed?.gapP99Ms, (ms) => ms <= 1),
    },
    {
      target: "≥ 256 concurrent paced streams clean",
      figure: clean ? `clean up to ${clean.cleanUpTo}${clean.reachedTop ? " (the sweep's top)" : ""}` : "?",
      met: judged(clean?.cleanUpTo, (streams) => streams >= 256),
    },
    {
      target: "every cancellation ≤ 100 ms",
      figure: closes ? (Number.isFinite(worstClose) ? `worst ${worstClose} ms` : "an upstream socket stayed open") : "?",
      met: closes ? worstClose <= 100 : null,
    },
    { target: "gateway resident memory ≤ 150 MB under load", figure: `${gateway ?? "?"} MB`, met: judged(gateway, (mb) => mb <= 150) },
  ];
}

export function verdict(met: boolean | null): string {
  return met === null ? "not judged" : met ? "met" : "missed";
}

/**
 * Writes a results file and formats it with the repository's Biome (as `pnpm check` expects),
 * so a committed results file never fails the lint step.
 */
export function writeJson(file: string, value: unknown, repoRoot: string): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  try {
    execFileSync(join(repoRoot, "node_modules", ".bin", "biome"), ["format", "--write", file], { cwd: repoRoot, stdio: "ignore" });
  } catch {
    // Unformatted is still valid JSON; `pnpm format` fixes it.
  }
}
