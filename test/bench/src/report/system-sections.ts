import type { Results } from "../results.ts";
import { num, signed, table, thousands } from "./format.ts";

/** Sections 4, 5, 7 and 8 of BENCHMARKS.md: cancellation, memory, scale-out, authentication and limits. */
export function cancellationSection(results: Results): string {
  const cancellation = results.scenarios.cancellation;
  if (!cancellation) return "Not measured in this run.";
  const names = {
    beforeFirstToken: "before the first token (slow first token)",
    midStream: "mid-stream",
    nonStreaming: "non-streaming (slow answer)",
  };
  const rows = Object.entries(cancellation.windows).map(([window, arms]) => [
    names[window as keyof typeof names],
    ...(["direct", "switchyard"] as const).map((arm) => {
      const entry = arms[arm];
      if (!entry) return "–";
      const each = entry.closeMs.map((ms) => (ms === null ? "never" : num(ms, 1))).join(", ");
      return `worst ${entry.maxMs === null ? "–" : num(entry.maxMs, 1)} (${each})`;
    }),
  ]);
  return [
    `The client aborts (fetch AbortController) ${cancellation.abortAfterMs} ms after sending, or after the ${cancellation.midStreamAfterDeltas}th content delta mid-stream; the upstream records when that request's socket closes. ms from the abort to the close (clocks of the two processes aligned over IPC); "never" = still open after 3 s.`,
    "",
    table(["window", "direct (reference)", "Switchyard"], rows),
  ].join("\n");
}

export function memorySection(results: Results): string {
  const memory = results.scenarios.memory;
  if (!memory) return "Not measured in this run.";
  const rows = Object.entries(memory.processes).map(([name, entry]) => [
    name,
    num(entry.idleMb, 1),
    num(entry.loadMedianMb, 1),
    num(entry.loadMaxMb, 1),
    num(entry.afterMb, 1),
  ]);
  const load = memory.load;
  return [
    `VmRSS from /proc. Idle: after start-up, deploys and one request per arm. Load: ${memory.loadMs / 1000} s of ${load.concurrency} concurrent non-streaming requests plus 64 concurrent paced streams through Switchyard (${thousands(load.requests)} requests, ${load.requestErrors} errors; ${load.streams} streams, ${load.streamsClean} clean), sampled every 0.5 s. After: ${memory.afterMs / 1000} s after the load stopped.`,
    "",
    table(["process", "idle (MB)", "load median (MB)", "load max (MB)", "after (MB)"], rows),
    "",
    Object.values(memory.processes).some((entry) => entry.loadMedianMb < entry.idleMb)
      ? "A process whose figure drops under load still held start-up garbage when idle was sampled; the collector reclaimed it once the process allocated again.\n"
      : "",
    memory.floors
      ? `For scale: an idle \`node\` process with nothing loaded takes ${num(memory.floors.nodeMb, 1)} MB here, and ${num(memory.floors.nodeWithTsxMb, 1)} MB with only tsx loaded (what running from source would add: the bench runs the services' built bundles from pnpm build).`
      : "",
  ].join("\n");
}

const executorCpu = (point: { cpuMsPerRequest: Record<string, number> }) =>
  (point.cpuMsPerRequest.executor ?? 0) + (point.cpuMsPerRequest.executor2 ?? 0);

export function scaleOutSection(results: Results): string {
  const scale = results.scenarios.scaleOut;
  if (!scale) return "Not measured in this run.";
  // The executor that ran the one-executor segments, against the ones added (a new process each cycle).
  const original = Object.keys(scale.one.byExecutor)[0] ?? "";
  const rows = [scale.one, scale.two].map((point) => {
    const originalRuns = point.byExecutor[original] ?? 0;
    const added = Object.values(point.byExecutor).reduce((total, count) => total + count, 0) - originalRuns;
    return [
      point.executors,
      thousands(point.rps),
      num(point.p50Ms),
      num(point.p99Ms),
      point.errors,
      point.executors === 1 ? `${originalRuns}` : `${originalRuns} / ${added}`,
      num(point.cpuMsPerRequest.gateway, 2),
      num(executorCpu(point), 2),
    ];
  });
  const coresBusy = (scale.two.rps * executorCpu(scale.two)) / 1000;
  return [
    `Workload: ${scale.workload}. One run alone takes ${num(scale.singleRunP50Ms)} ms (p50). ${scale.concurrency} concurrent clients; segments alternate one executor and two (${Array.from({ length: results.settings.scaleOut.cycles * 2 + 1 }, (_, index) => (index % 2 === 0 ? "1" : "2")).join(", ")}), the second executor started and stopped each time; segments with the same count are pooled.`,
    "",
    table(
      [
        "executors",
        "req/s",
        "p50 (ms)",
        "p99 (ms)",
        "errors",
        "runs (first executor / added)",
        "gateway CPU ms/run",
        "executors' CPU ms/run",
      ],
      rows,
    ),
    "",
    `Speed-up with a second executor process: **×${num(scale.speedup)}**. With two, the executors kept ${num(coresBusy, 2)} of the ` +
      `machine's ${results.environment.cores} cores busy; the gateway, NATS, the load generator and any other work share the rest.`,
  ].join("\n");
}

export function accessSection(results: Results): string {
  const access = results.scenarios.access;
  if (!access) return "Not measured in this run.";
  const rows = access.arms.map((arm) => [
    arm.name,
    num(arm.p50Ms, 3),
    arm.addedP50Ms === undefined ? "(baseline)" : signed(arm.addedP50Ms, 3),
    arm.addedSpreadMs ? `${signed(arm.addedSpreadMs[0], 3)} … ${signed(arm.addedSpreadMs[1], 3)}` : "",
    arm.errors,
  ]);
  return [
    `The same executor through a second gateway with \`SWITCHYARD_AUTH=off\` (the baseline), and through the gateway with an admin key and with a key under limits that never refuse: ${access.rounds} rounds × ${access.perRound} sequential chat requests per arm, interleaved. Times in ms.`,
    "",
    table(["arm", "p50", "added p50 (median of round medians − baseline's)", "spread over rounds", "errors"], rows),
  ].join("\n");
}
