import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Settings } from "./options.ts";
import type { Environment } from "./procs.ts";
import type { AccessResult } from "./scenarios/access.ts";
import type { CancellationResult } from "./scenarios/cancellation.ts";
import type { CapacityResult } from "./scenarios/capacity.ts";
import type { CodeResult } from "./scenarios/code.ts";
import type { ExecutionsResult } from "./scenarios/executions.ts";
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
    executions?: ExecutionsResult;
    access?: AccessResult;
    code?: CodeResult;
  };
  errors: { scenario: string; message: string }[];
  targets: TargetCheck[];
}

const judged = (value: number | undefined, ok: (value: number) => boolean): boolean | null =>
  value === undefined || Number.isNaN(value) ? null : ok(value);

/** Target ratio against Portkey's throughput in the same run. */
const throughputRatio = 2;

/** The performance issue's goals (never assertions), judged against this run's figures. */
export function checkTargets(results: Results): TargetCheck[] {
  const { latency, throughput, streaming, capacity, cancellation, memory, scaleOut } = results.scenarios;
  const ours = latency?.arms.switchyard?.added;
  const theirs = latency?.arms.portkey?.added;
  const streamed = streaming?.arms.switchyard?.added;
  const closes = cancellation ? Object.values(cancellation.windows).flatMap((window) => window.switchyard?.closeMs ?? []) : undefined;
  const worstClose = closes?.some((ms) => ms === null) ? Number.POSITIVE_INFINITY : Math.max(...(closes ?? []).map(Number));
  const gateway = memory?.processes.gateway;
  const executor = memory?.processes.executor;
  const clean = capacity?.arms.switchyard;
  const throughputAt = (concurrency: number): TargetCheck => {
    const arms = throughput?.levels.find((level) => level.concurrency === concurrency)?.arms;
    const ratio = arms?.switchyard && arms.portkey ? arms.switchyard.rps / arms.portkey.rps : undefined;
    return {
      target: `throughput at concurrency ${concurrency} ≥ ${throughputRatio}× Portkey's`,
      figure: `${arms?.switchyard?.rps ?? "?"} vs ${arms?.portkey?.rps ?? "?"} req/s (×${ratio?.toFixed(2) ?? "?"})`,
      met: judged(ratio, (value) => value >= throughputRatio),
    };
  };
  return [
    { target: "added latency p50 ≤ 1 ms", figure: `${ours?.p50Ms ?? "?"} ms`, met: judged(ours?.p50Ms, (ms) => ms <= 1) },
    {
      target: "added latency p50 below Portkey's",
      figure: `${ours?.p50Ms ?? "?"} ms vs Portkey ${theirs?.p50Ms ?? "?"} ms`,
      met: theirs && ours ? ours.p50Ms < theirs.p50Ms : null,
    },
    throughputAt(16),
    throughputAt(64),
    { target: "added TTFT p50 ≤ 2 ms", figure: `${streamed?.ttftP50Ms ?? "?"} ms`, met: judged(streamed?.ttftP50Ms, (ms) => ms <= 2) },
    { target: "added TTFT p99 ≤ 5 ms", figure: `${streamed?.ttftP99Ms ?? "?"} ms`, met: judged(streamed?.ttftP99Ms, (ms) => ms <= 5) },
    {
      target: "≥ 512 concurrent paced streams clean",
      figure: clean ? `clean up to ${clean.cleanUpTo}${clean.reachedTop ? " (the sweep's top)" : ""}` : "?",
      met: judged(clean?.cleanUpTo, (streams) => streams >= 512),
    },
    {
      target: "every cancellation ≤ 100 ms",
      figure: closes ? (Number.isFinite(worstClose) ? `worst ${worstClose} ms` : "an upstream socket stayed open") : "?",
      met: closes ? worstClose <= 100 : null,
    },
    {
      target: "gateway resident memory ≤ 60 MB idle",
      figure: `${gateway?.idleMb ?? "?"} MB`,
      met: judged(gateway?.idleMb, (mb) => mb <= 60),
    },
    {
      target: "gateway resident memory ≤ 80 MB under load",
      figure: `${gateway?.loadMaxMb ?? "?"} MB`,
      met: judged(gateway?.loadMaxMb, (mb) => mb <= 80),
    },
    {
      target: "executor resident memory ≤ 120 MB under load",
      figure: `${executor?.loadMaxMb ?? "?"} MB`,
      met: judged(executor?.loadMaxMb, (mb) => mb <= 120),
    },
    {
      target: "2 executors ≥ ×1.7 one executor (CPU-heavy pipeline)",
      figure: `×${scaleOut?.speedup ?? "?"}`,
      met: judged(scaleOut?.speedup ?? undefined, (speedup) => speedup >= 1.7),
    },
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
