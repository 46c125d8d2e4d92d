import type { Results } from "../results.ts";
import { num, table } from "./format.ts";

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length === 0
    ? Number.NaN
    : sorted.length % 2
      ? (sorted[middle] ?? Number.NaN)
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/** Section 10 of BENCHMARKS.md: a trivial code pipeline beside the same logic as a YAML pipeline. */
export function codeSection(results: Results): string {
  const code = results.scenarios.code;
  if (!code) return "Not measured in this run.";
  const label = { yaml: "YAML pipeline (one template component)", code: "code pipeline (pipeline_wrapper.ts, runApi in the sandbox)" };
  const rows = code.arms.map((arm) => [
    label[arm.name],
    num(median(arm.coldMs)),
    num(Math.max(...arm.coldMs)),
    num(median(arm.warmMs)),
    num(arm.rps),
    num(arm.p50Ms),
    num(arm.p99Ms),
    num(arm.cpuMsPerRequest.executor ?? Number.NaN),
    arm.errors,
  ]);
  const [yaml, wrapper] = code.arms;
  const ratio = yaml && wrapper && yaml.rps > 0 ? wrapper.rps / yaml.rps : undefined;
  return [
    `The same greeting, \`{"text": "Hello, Ada!"}\`, from a YAML pipeline and from a TypeScript wrapper, through \`/{name}/run\` on one executor. ` +
      `Cold: the first run after a deploy (${code.arms[0]?.coldMs.length ?? 0} deploys each, new versions, the two kinds in turn); for the wrapper ` +
      "that is a new sandbox (a WebAssembly instance, the bundle loaded), the first ever one also starting the worker thread. Warm: the run right " +
      `after it. Then ${code.concurrency} clients in a closed loop, ${code.segments} segments of ${code.measureMs / 1000} s per kind, alternating.`,
    "",
    table(
      ["kind", "cold p50 (ms)", "cold max (ms)", "warm (ms)", "runs/s", "p50 (ms)", "p99 (ms)", "executor CPU per run (ms)", "errors"],
      rows,
    ),
    "",
    ratio === undefined ? "" : `The wrapper serves ×${num(ratio, 2)} the YAML pipeline's runs per second here.`,
  ].join("\n");
}
