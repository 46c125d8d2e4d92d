import { type Arm, type ArmName, streamChat } from "../client.ts";
import { type BenchContext, arm as findArm } from "../options.ts";
import { epochMs, round, sleep } from "../stats.ts";

/** Scenario 4: client abort → the upstream sees its socket close, in three windows. */
export type CancelWindow = "beforeFirstToken" | "midStream" | "nonStreaming";

export interface CancelArm {
  /** Abort → upstream socket close, per attempt (ms); null when it did not close within 3 s. */
  closeMs: (number | null)[];
  maxMs: number | null;
  notClosed: number;
}

export interface CancellationResult {
  abortAfterMs: number;
  midStreamAfterDeltas: number;
  windows: Record<CancelWindow, Partial<Record<ArmName, CancelArm>>>;
}

const windows: CancelWindow[] = ["beforeFirstToken", "midStream", "nonStreaming"];

/** One cancelled call; resolves with the bench-clock time of the abort. */
async function cancelOnce(context: BenchContext, arm: Arm, window: CancelWindow, tag: string): Promise<number> {
  const { abortAfterMs, midStreamAfter } = context.settings.cancellation;
  const controller = new AbortController();
  let abortedAt = Number.NaN;
  const abort = () => {
    if (controller.signal.aborted) return;
    abortedAt = epochMs();
    controller.abort();
  };
  const timer = window === "midStream" ? undefined : setTimeout(abort, abortAfterMs);
  const model = window === "midStream" ? arm.models.paced : arm.models.slow;
  await streamChat(arm, model, tag, {
    signal: controller.signal,
    stream: window !== "nonStreaming",
    timeoutMs: 10_000,
    onDelta: (count) => {
      if (window === "midStream" && count === midStreamAfter) abort();
    },
  });
  clearTimeout(timer);
  return abortedAt;
}

async function closedAt(context: BenchContext, tag: string): Promise<number | null> {
  const deadline = performance.now() + 3000;
  while (performance.now() < deadline) {
    const [at] = await context.upstream.aborts([tag]);
    if (typeof at === "number") return at;
    await sleep(20);
  }
  return null;
}

export async function runCancellation(context: BenchContext): Promise<CancellationResult> {
  const { repeats, abortAfterMs, midStreamAfter } = context.settings.cancellation;
  const arms = [findArm(context, "direct"), findArm(context, "switchyard")].filter((arm): arm is Arm => arm !== undefined);
  const result: CancellationResult = {
    abortAfterMs,
    midStreamAfterDeltas: midStreamAfter,
    windows: { beforeFirstToken: {}, midStream: {}, nonStreaming: {} },
  };
  for (const window of windows) {
    for (const arm of arms) result.windows[window][arm.name] = { closeMs: [], maxMs: null, notClosed: 0 };
    for (let attempt = 0; attempt < repeats; attempt += 1) {
      for (const arm of attempt % 2 === 0 ? arms : [...arms].reverse()) {
        const tag = `cancel ${window} ${arm.name} ${attempt} ${Math.random().toString(36).slice(2)}`;
        const abortedAt = await cancelOnce(context, arm, window, tag);
        const closed = await closedAt(context, tag);
        const entry = result.windows[window][arm.name];
        if (!entry) continue;
        const ms = closed === null || Number.isNaN(abortedAt) ? null : round(closed - abortedAt, 2);
        entry.closeMs.push(ms);
        if (ms === null) entry.notClosed += 1;
      }
    }
    for (const arm of arms) {
      const entry = result.windows[window][arm.name];
      if (!entry) continue;
      const closes = entry.closeMs.filter((ms): ms is number => ms !== null);
      entry.maxMs = closes.length ? Math.max(...closes) : null;
      context.log(
        `  ${window} ${arm.name}: abort → upstream close ${entry.closeMs.map((ms) => (ms === null ? "never" : `${ms}`)).join(", ")} ms` +
          `${entry.notClosed ? ` (${entry.notClosed} not closed in 3 s)` : ""}`,
      );
    }
  }
  return result;
}
