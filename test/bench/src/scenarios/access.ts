import { requestJson } from "@switchyard/testing";
import { type Arm, chatBody, keepAliveAgent, postChat } from "../client.ts";
import type { BenchContext } from "../options.ts";
import { median, percentile, rotate, round } from "../stats.ts";

/** Scenario 6: what authentication and per-key limits add, at concurrency 1, arms interleaved in rounds. */
export interface AccessArm {
  name: string;
  p50Ms: number;
  /** Median over rounds of (this arm's round median − the unauthenticated gateway's). */
  addedP50Ms?: number;
  addedSpreadMs?: [number, number];
  errors: number;
}

export interface AccessResult {
  rounds: number;
  perRound: number;
  arms: AccessArm[];
}

/**
 * Four ways into the same executor: a second gateway with `SWITCHYARD_AUTH=off` (the
 * baseline), the gateway with an admin key (authentication, cached), with a key under request
 * and token limits high enough never to refuse (served from the gateway's lease, one access
 * call per batch), and with a concurrency limit too (one admit per run before it, a settle
 * after it).
 */
export async function runAccess(context: BenchContext): Promise<AccessResult> {
  const { warmup, rounds, perRound } = context.settings.latency;
  const { system } = context;
  const open = await system.startGateway({ SWITCHYARD_AUTH: "off" });
  const keyWith = async (name: string, limits: Record<string, number>) => {
    const created = await requestJson(`${system.url()}/v1/keys`, { body: { name, role: "invoke", limits } });
    if (created.status !== 201 || typeof created.body !== "object" || created.body === null || !("secret" in created.body)) {
      throw new Error(`creating the key ${name} failed: ${created.status}`);
    }
    return String(created.body.secret);
  };
  const leased = await keyWith("bench-rate", { requestsPerMinute: 1_000_000, tokensPerMinute: 1_000_000_000 });
  const slotted = await keyWith("bench-slots", { requestsPerMinute: 1_000_000, tokensPerMinute: 1_000_000_000, concurrentRuns: 100_000 });
  const models = { zero: "bench", paced: "bench-paced", slow: "bench-slow" };
  const url = (port: unknown) => `http://127.0.0.1:${String(port)}/v1/chat/completions`;
  const arms: { label: string; arm: Arm }[] = [
    { label: "no authentication (SWITCHYARD_AUTH=off)", arm: { name: "switchyard", url: url(open.ready.port), headers: {}, models } },
    {
      label: "admin key",
      arm: { name: "switchyard", url: `${system.url()}/v1/chat/completions`, headers: { "x-api-key": system.adminKey }, models },
    },
    {
      label: "key with request and token limits",
      arm: { name: "switchyard", url: `${system.url()}/v1/chat/completions`, headers: { "x-api-key": leased }, models },
    },
    {
      label: "key with request, token and concurrency limits",
      arm: { name: "switchyard", url: `${system.url()}/v1/chat/completions`, headers: { "x-api-key": slotted }, models },
    },
  ];
  const body = chatBody("bench", "How far is it?", false);
  const agents = arms.map(() => keepAliveAgent(1));
  const samples = arms.map((): number[] => []);
  const roundMedians = arms.map((): number[] => []);
  const errors = arms.map(() => 0);
  const sequential = async (index: number, count: number) => {
    const times: number[] = [];
    const target = arms[index]?.arm;
    if (!target) return times;
    for (let request = 0; request < count; request += 1) {
      const result = await postChat(target, body, agents[index] ?? keepAliveAgent(1), 5000);
      if (result.ok) times.push(result.ms);
      else errors[index] = (errors[index] ?? 0) + 1;
    }
    return times;
  };
  try {
    for (const index of arms.keys()) await sequential(index, warmup);
    for (let round_ = 0; round_ < rounds; round_ += 1) {
      for (const index of rotate([...arms.keys()], round_)) {
        const times = await sequential(index, perRound);
        samples[index]?.push(...times);
        roundMedians[index]?.push(median(times));
      }
    }
  } finally {
    for (const agent of agents) agent.destroy();
    await open.stop();
  }
  const baseline = roundMedians[0] ?? [];
  const result: AccessResult = { rounds, perRound, arms: [] };
  for (const [index, { label }] of arms.entries()) {
    const medians = roundMedians[index] ?? [];
    const entry: AccessArm = { name: label, p50Ms: round(median(samples[index] ?? [])), errors: errors[index] ?? 0 };
    if (index > 0) {
      const differences = medians.map((value, at) => value - (baseline[at] ?? Number.NaN)).sort((a, b) => a - b);
      entry.addedP50Ms = round(percentile(differences, 50));
      entry.addedSpreadMs = [round(differences[0] ?? Number.NaN), round(differences.at(-1) ?? Number.NaN)];
    }
    context.log(
      `  ${label}: p50 ${entry.p50Ms} ms${entry.addedP50Ms === undefined ? " (baseline)" : `, added p50 ${entry.addedP50Ms} ms (rounds ${entry.addedSpreadMs?.[0]}…${entry.addedSpreadMs?.[1]})`}, errors ${entry.errors}`,
    );
    result.arms.push(entry);
  }
  return result;
}
