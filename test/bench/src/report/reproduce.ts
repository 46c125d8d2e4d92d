import type { Results } from "../results.ts";

export function reproduceSection(results: Results): string {
  const full = results.settings;
  return `## How to reproduce

\`\`\`sh
apt-get install nats-server redis-server   # if they are not on the PATH yet
pnpm bench            # full run (${results.mode === "full" ? `${(results.durationS / 60).toFixed(1)} min here; ` : ""}fits 10 min on 2 cores), rewrites this file and test/bench/results/
pnpm bench --quick    # about 2 minutes, writes test/bench/results/quick.json only (add --markdown to rewrite this file)
pnpm bench --report-only            # regenerate this file from test/bench/results/latest.json
pnpm bench --no-peer                # without Portkey
pnpm bench --quick --profile --only=throughput --no-peer   # CPU profiles of the services, summarized above
\`\`\`

The harness is the workspace package \`test/bench\` (\`@switchyard/bench\`); it is never part of \`pnpm test\` and asserts
nothing. It starts:

- the upstream (\`test/bench/src/upstream.ts\`, node:http, its own process): by model name, zero delay (an immediate JSON
  answer or stream), paced (a role chunk, 64 content deltas 20 ms apart, finish, usage, \`[DONE]\`) or slow (3 s before the
  first byte). It records when the socket of each request closes before its answer ended;
- Switchyard with \`startSystem\` from \`@switchyard/testing\` (real \`nats-server\` and \`redis-server\` on free ports, registry,
  gateway and executor processes, \`LOG_LEVEL=info\`, default limits), with model aliases onto the upstream and the chat
  pipelines \`bench\`, \`bench-paced\`, \`bench-slow\` (\`answer: { type: llm, model: <alias>, prompt: inputs.text }\`);
- Portkey's gateway from npm as a child process.

Load comes from the bench process itself: node:http with keep-alive agents for the JSON scenarios, \`fetch\` read with
\`sseData\` for streams. The direct arm measures the upstream plus the load generator, so "added" figures are what the
gateway adds on top of both. Method (after the benchmarking handbook): arms interleaved in rounds or in A B C / C B A
segments, so drift on a shared machine spreads over all of them; p50/p99 are nearest-rank percentiles.

This run: ${full.latency.rounds} latency rounds; ${full.throughput.measureMs * full.throughput.segments} ms per throughput point;
${full.streaming.rounds} × ${full.streaming.concurrent} paced streams per arm for TTFT and gaps; stream levels
${full.capacity.levels.join(", ")}; ${full.cancellation.repeats} cancellations per window and arm; ${full.memory.loadMs / 1000} s of memory load and
${full.memory.afterMs / 1000} s after; ${full.scaleOut.measureMs / 1000} s per scale-out segment.`;
}
