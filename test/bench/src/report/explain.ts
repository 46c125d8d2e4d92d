import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ProfileReport } from "../profile.ts";
import type { Results } from "../results.ts";
import { num, table } from "./format.ts";

const sum = (record: Record<string, number> | undefined, names: string[]) =>
  names.reduce((total, name) => total + (record?.[name] ?? 0), 0);

type Level = Partial<Record<string, { cpuMsPerRequest: Record<string, number> }>>;

/** How much more CPU a request costs a process that wakes up for it alone (concurrency 1) than one kept busy (16). */
function coldWakeUps(one: Level, sixteen: Level | undefined): string {
  const busy = sixteen?.switchyard?.cpuMsPerRequest;
  const idle = one.switchyard?.cpuMsPerRequest;
  if (!busy || !idle) return "";
  const ratio = (record: Record<string, number> | undefined, busyRecord: Record<string, number> | undefined, name: string) =>
    (record?.[name] ?? Number.NaN) / (busyRecord?.[name] ?? Number.NaN);
  return (
    ` Each process also pays for waking up alone: per request at concurrency 1 the gateway used ×${num(ratio(idle, busy, "gateway"), 1)} ` +
    `and the executor ×${num(ratio(idle, busy, "executor"), 1)} the CPU they used at concurrency 16, and the direct arm's upstream ` +
    `×${num(ratio(one.direct?.cpuMsPerRequest, sixteen?.direct?.cpuMsPerRequest, "upstream"), 1)}: every hop pays that again.`
  );
}

/** Measured pointers to where the time and memory go, for each target this run missed. */
export function explainMisses(results: Results): string {
  const lines: string[] = [];
  const missed = (prefix: string) => results.targets.some((check) => check.target.startsWith(prefix) && check.met === false);
  const { throughput, capacity, memory, streaming } = results.scenarios;
  const level = (concurrency: number) => throughput?.levels.find((candidate) => candidate.concurrency === concurrency)?.arms;
  const system = ["gateway", "executor", "registry", "nats"];
  const one = level(1);
  if (missed("added latency") && one?.switchyard) {
    const cpu = one.switchyard.cpuMsPerRequest;
    lines.push(
      `- **Added latency.** At concurrency 1 one request through Switchyard cost ${num(sum(cpu, system), 2)} ms of CPU in its processes ` +
        `(gateway ${num(cpu.gateway)}, executor ${num(cpu.executor)}, NATS ${num(cpu.nats)}), most of it on the request's path, which ` +
        "crosses the processes one after another: " +
        "HTTP into the gateway (express, authentication, the body's schema), a NATS publish to the executor, the executor's plan and " +
        "its undici call to the upstream, the accept and the done event back on the gateway's run link, then the HTTP answer. Each hop is " +
        "a socket write and a wake-up of another process on 2 shared cores; at concurrency 1 nothing is amortized. The direct arm's whole round trip costs " +
        `${num(sum(one.direct?.cpuMsPerRequest, ["bench", "upstream"]), 2)} ms of CPU (load generator and upstream together).` +
        coldWakeUps(one, level(16)),
    );
  }
  const sixteen = level(16);
  if (missed("throughput") && sixteen?.switchyard && sixteen.portkey) {
    const ours = sum(sixteen.switchyard.cpuMsPerRequest, system);
    const theirs = sixteen.portkey.cpuMsPerRequest.portkey ?? Number.NaN;
    lines.push(
      `- **Throughput.** At concurrency 16 Switchyard's processes used ${num(ours, 2)} ms of CPU per request against ${num(theirs, 2)} ms for ` +
        `Portkey's one process; on ${results.environment.cores} shared cores that, not waiting, sets the ceiling (see "Where the CPU goes"). ` +
        "Twice Portkey's throughput needs the CPU of every process per request together (load generator and upstream included) " +
        `under half of Portkey's run: here ${num(sum(sixteen.switchyard.cpuMsPerRequest, Object.keys(sixteen.switchyard.cpuMsPerRequest)), 2)} ` +
        `against ${num(sum(sixteen.portkey.cpuMsPerRequest, Object.keys(sixteen.portkey.cpuMsPerRequest)), 2)} ms. Each request through ` +
        "Switchyard is parsed and answered as HTTP twice (client and upstream) and crosses the broker twice, in two Node processes.",
    );
  }
  if (missed("added TTFT") || missed("added inter-chunk")) {
    const added = streaming?.arms.switchyard?.added;
    lines.push(
      `- **Streaming overhead.** Added TTFT ${num(added?.ttftP50Ms)} ms p50 / ${num(added?.ttftP99Ms)} ms p99, added gap ` +
        `${num(added?.gapP50Ms)} / ${num(added?.gapP99Ms)} ms. The first token takes the same serial hops as a whole non-streaming ` +
        `request, and the ${streaming?.concurrentStreams ?? "?"} streams of a round start together, so each one's set-up also queues ` +
        "behind the others' in the single-threaded gateway and executor. Each later delta crosses the executor, NATS and the gateway; " +
        "the median gap is unchanged and the p99 follows the CPU contention of the moment rather than a fixed cost.",
    );
  }
  const ours = capacity?.arms.switchyard;
  const failed = ours?.steps.find((step) => step.clean < step.streams);
  if (missed("≥ 512") && failed) {
    const cpu = failed.cpuUsPerDelta;
    const executorUs = cpu.executor ?? Number.NaN;
    lines.push(
      `- **Concurrent streams.** At ${failed.streams} streams ${failed.clean} were clean; the worst gap was ${num(failed.worstGapMs, 0)} ms ` +
        `while the load generator's own event loop lagged ${num(failed.benchLoopDelayP99Ms, 0)} ms at p99. Per delivered delta the ` +
        `executor used ${num(executorUs, 0)} µs of CPU, the gateway ${num(cpu.gateway, 0)} µs, NATS ${num(cpu.nats, 0)} µs and the load ` +
        `generator ${num(cpu.bench, 0)} µs: at 50 deltas/s per paced stream one core runs about ${num(1e6 / executorUs / 50, 0)} streams ` +
        "in the executor alone. Deltas of many streams share NATS messages on the run link, but each one is still read from its upstream " +
        "socket, parsed, numbered and encoded in the executor, and parsed, encoded as an SSE frame and written to its client's socket in " +
        "the gateway. Stalls show up as the event loops falling behind, all streams at once" +
        `${failed.firstProblem ? ` (first problem seen: ${failed.firstProblem})` : ""}.`,
    );
  }
  const directFailed = capacity?.arms.direct?.steps.find((step) => step.clean < step.streams);
  if (directFailed) {
    lines.push(
      `- **The load generator's limit.** Direct itself was not clean at ${directFailed.streams} streams (worst gap ` +
        `${num(directFailed.worstGapMs, 0)} ms, bench event-loop lag p99 ${num(directFailed.benchLoopDelayP99Ms, 0)} ms): beyond that level ` +
        "the bench process and the shared machine, not a gateway, are what the figures measure.",
    );
  }
  const gateway = memory?.processes.gateway;
  if (missed("gateway resident") && gateway && memory) {
    lines.push(
      `- **Gateway memory.** The gateway holds ${num(gateway.idleMb, 0)} MB idle and ${num(gateway.loadMaxMb, 0)} MB at most under load ` +
        `(plain Node ${num(memory.floors.nodeMb, 0)} MB here). It runs its bundle with no compiler loaded and without the Redis client; ` +
        "what remains is the code it loads (express with its body parsers, zod, the NATS client, OpenTelemetry, pino: about 25 MB measured " +
        "one by one) and, under load, heap V8 keeps committed rather than live data: after a full collection in the middle of a " +
        "16-way load (measured once with --trace-gc, 2026-12-02) the gateway's live heap was 19 MB of 76 MB committed, the " +
        "executor's 24 of 74. Smaller young generations (--max-semi-space-size 2, 4 or 8 MB) took up to 25 MB off the peak and " +
        "cost throughput (8 MB: 10–19 % less at concurrency 16 in two paired runs): not kept. Measured again on 2026-12-03 " +
        "(smaps and heap statistics of the running services): 42–45 MB of every service's RSS is the node binary's own pages " +
        "(Shared_Clean, counted in each process's RSS), so 60 MB leaves under 20 MB for everything a service loads and allocates; " +
        "after the capacity and memory loads a forced full collection left the gateway's heap at 29 MB committed while its RSS " +
        "stayed 111 MB. V8's --optimize-for-size brought the load maxima to 85 MB (gateway) and 106 MB (executor) and cost " +
        "15–40 % of the throughput at concurrency 16 and 64 in two paired runs; --max-semi-space-size=2 took 10 MB (gateway) and " +
        "18 MB (executor) off the idle figures and nothing off the load maxima: neither kept as the default.",
    );
  }
  const executor = memory?.processes.executor;
  if (missed("executor resident") && executor) {
    lines.push(
      `- **Executor memory.** ${num(executor.idleMb, 0)} MB idle, ${num(executor.loadMaxMb, 0)} MB at most under load: the same ` +
        "libraries plus undici, the tokenizer and the gRPC client; under load the heap V8 keeps committed (see the gateway).",
    );
  }
  const scaleOut = results.scenarios.scaleOut;
  if (missed("2 executors") && scaleOut) {
    const oneBusy = ((scaleOut.one.cpuMsPerRequest.executor ?? Number.NaN) * scaleOut.one.rps) / 1000;
    lines.push(
      `- **Scale-out.** ×${num(scaleOut.speedup, 2)} with a second executor. One executor already kept ${num(oneBusy, 2)} cores busy ` +
        "with the CPU-heavy pipeline (its main thread rendering, V8's collector threads beside it); the second one shares what is left " +
        `with the gateway, NATS and the load generator, so on ${results.environment.cores} cores a second executor cannot add a whole core.`,
    );
  }
  return lines.length ? lines.join("\n") : "Every judged target was met in this run.";
}

/** The summary `pnpm bench --profile` left in results/profile.json, if any (a separate, slower run). */
export function profileSection(benchDir: string): string {
  const file = join(benchDir, "results", "profile.json");
  if (!existsSync(file)) return "No profile yet: run `pnpm bench --quick --profile --only=throughput --no-peer`.";
  const report = JSON.parse(readFileSync(file, "utf8")) as ProfileReport;
  const services = Object.entries(report.services).filter(([name]) => name !== "registry");
  const rows = Array.from({ length: 10 }, (_, index) =>
    services.flatMap(([, summary]) => {
      const entry = summary.owners[index];
      return entry ? [entry.owner, `${entry.share}%`] : ["", ""];
    }),
  );
  const hottest = services.map(
    ([name, summary]) =>
      `- ${name}: ${summary.functions
        .slice(0, 6)
        .map((entry) => `\`${entry.name}\` ${entry.share}%`)
        .join(", ")}`,
  );
  return [
    `From \`pnpm bench --${report.mode === "quick" ? "quick --" : ""}profile\` (${report.startedAt}, scenarios: ${report.scenarios}), a separate run: the`,
    "services sampled by V8's profiler (an `--import` hook, since Node refuses `--cpu-prof` in NODE_OPTIONS) while the",
    'scenarios ran; self time by where the code lives, start-up and idle excluded. "(native)" is mostly socket writes',
    "(`writeBuffer`, `writev`: NATS publishes and HTTP responses); `undici` is the executor's HTTP client to the upstream;",
    "`(garbage collector)` is V8's collector on the main thread.",
    "",
    table(
      services.flatMap(([name, summary]) => [`${name} (${summary.busyMs} ms busy)`, "share"]),
      rows,
    ),
    "",
    "Hottest functions (self time):",
    "",
    ...hottest,
  ].join("\n");
}
