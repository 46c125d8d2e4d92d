import type { TestSystem } from "@switchyard/testing";
import type { Arm } from "./client.ts";
import type { UpstreamProcess } from "./upstream-process.ts";

/** How long and how hard each scenario runs: a full run fits 10 minutes on 2 cores, `--quick` 2. */
export interface Settings {
  mode: "full" | "quick";
  latency: { warmup: number; rounds: number; perRound: number };
  throughput: { levels: number[]; segments: number; warmMs: number; measureMs: number };
  streaming: { rounds: number; concurrent: number };
  capacity: { levels: number[]; timeoutMs: number };
  cancellation: { repeats: number; abortAfterMs: number; midStreamAfter: number };
  memory: { loadMs: number; afterMs: number; sampleMs: number; concurrency: number; streams: number };
  /** cycles: 1 runs one, two, one executors; 2 runs one, two, one, two, one. */
  scaleOut: { concurrency: number; warmMs: number; measureMs: number; cycles: number };
  /** Background executions against BullMQ: closed-loop clients, segments alternating the two. */
  executions: { concurrency: number; segments: number; warmMs: number; measureMs: number };
  /** Code pipelines beside YAML: deploys each timed on its first run, then closed-loop segments alternating the two. */
  code: { coldStarts: number; concurrency: number; segments: number; warmMs: number; measureMs: number };
}

const full: Settings = {
  mode: "full",
  latency: { warmup: 100, rounds: 21, perRound: 25 },
  throughput: { levels: [1, 4, 16, 64], segments: 2, warmMs: 400, measureMs: 2500 },
  streaming: { rounds: 8, concurrent: 8 },
  capacity: { levels: [16, 64, 256, 512, 1024, 2048], timeoutMs: 20_000 },
  cancellation: { repeats: 8, abortAfterMs: 300, midStreamAfter: 10 },
  memory: { loadMs: 20_000, afterMs: 30_000, sampleMs: 500, concurrency: 16, streams: 64 },
  scaleOut: { concurrency: 8, warmMs: 1000, measureMs: 4000, cycles: 2 },
  executions: { concurrency: 64, segments: 4, warmMs: 1000, measureMs: 4000 },
  code: { coldStarts: 9, concurrency: 16, segments: 4, warmMs: 500, measureMs: 3000 },
};

const quick: Settings = {
  mode: "quick",
  latency: { warmup: 50, rounds: 7, perRound: 25 },
  throughput: { levels: [1, 4, 16, 64], segments: 2, warmMs: 200, measureMs: 600 },
  streaming: { rounds: 3, concurrent: 8 },
  capacity: { levels: [16, 64, 256], timeoutMs: 15_000 },
  cancellation: { repeats: 3, abortAfterMs: 300, midStreamAfter: 10 },
  memory: { loadMs: 5000, afterMs: 10_000, sampleMs: 500, concurrency: 16, streams: 64 },
  scaleOut: { concurrency: 8, warmMs: 500, measureMs: 1500, cycles: 1 },
  executions: { concurrency: 64, segments: 2, warmMs: 500, measureMs: 1500 },
  code: { coldStarts: 3, concurrency: 16, segments: 2, warmMs: 300, measureMs: 1000 },
};

export interface Options {
  settings: Settings;
  /** Where the JSON goes. */
  out: string;
  /** Rewrite BENCHMARKS.md (a full run does; `--quick` does not unless asked). */
  writeMarkdown: boolean;
  /** Only regenerate BENCHMARKS.md from an existing JSON file. */
  reportOnly: boolean;
  /** Leave Portkey out (for a run without the peer). */
  withoutPeer: boolean;
  /** Services write V8 CPU profiles (NODE_OPTIONS=--cpu-prof), summarized at the end. */
  profile: boolean;
  /** Only these scenarios (all when unset). */
  only?: Set<ScenarioKey>;
}

export const scenarioKeys = [
  "latency",
  "throughput",
  "streaming",
  "capacity",
  "cancellation",
  "memory",
  "access",
  "scaleout",
  "executions",
  "code",
] as const;
export type ScenarioKey = (typeof scenarioKeys)[number];

export function parseOptions(argv: string[], resultsDir: string): Options {
  const known = new Set(["--quick", "--report-only", "--markdown", "--no-peer", "--profile"]);
  const unknown = argv.filter((arg) => !known.has(arg) && !arg.startsWith("--out=") && !arg.startsWith("--only="));
  const only = argv
    .find((arg) => arg.startsWith("--only="))
    ?.slice(7)
    .split(",");
  const badScenario = only?.find((key) => !(scenarioKeys as readonly string[]).includes(key));
  if (unknown.length > 0 || badScenario) {
    throw new Error(
      `unknown argument ${[...unknown, badScenario ?? ""].join(" ")}: use --quick, --no-peer, --profile, --markdown, --report-only, --out=<file>, --only=${scenarioKeys.join(",")}`,
    );
  }
  const quickMode = argv.includes("--quick");
  // A quick, partial or profiled run never replaces the full run's latest.json and BENCHMARKS.md unless asked.
  const partial = only !== undefined || argv.includes("--profile");
  const name = quickMode ? "quick" : partial ? "partial" : "latest";
  const out = argv.find((arg) => arg.startsWith("--out="))?.slice(6) ?? `${resultsDir}/${name}.json`;
  return {
    settings: quickMode ? quick : full,
    out,
    writeMarkdown: name === "latest" || argv.includes("--markdown"),
    reportOnly: argv.includes("--report-only"),
    withoutPeer: argv.includes("--no-peer"),
    profile: argv.includes("--profile"),
    ...(only ? { only: new Set(only as ScenarioKey[]) } : {}),
  };
}

/** What every scenario gets. */
export interface BenchContext {
  settings: Settings;
  /** direct first, then switchyard, then portkey when it runs. */
  arms: Arm[];
  upstream: UpstreamProcess;
  system: TestSystem;
  /** Processes whose CPU time is accounted per request (name → pid). */
  pids: Record<string, number>;
  log(line: string): void;
}

export function arm(context: BenchContext, name: Arm["name"]): Arm | undefined {
  return context.arms.find((candidate) => candidate.name === name);
}
