import { monitorEventLoopDelay } from "node:perf_hooks";
import { type Arm, type StreamResult, streamChat } from "./client.ts";
import { cpuSince, cpuSnapshot } from "./procs.ts";
import { defaultUpstreamOptions, pacedText } from "./upstream.ts";

const { pacedChunks, paceMs } = defaultUpstreamOptions;
const expectedText = pacedText(pacedChunks);
/** A stream stalls when a gap exceeds 10× the pacing interval. */
export const stallMs = 10 * paceMs;

/** Clean: every delta arrived, in order, `[DONE]` came, and no gap exceeded 10× the pacing. */
export function isClean(stream: StreamResult): boolean {
  return stream.ok && stream.deltas === pacedChunks && stream.text === expectedText && Math.max(0, ...stream.gaps) <= stallMs;
}

export interface Batch {
  streams: StreamResult[];
  /** p99 event-loop delay of the bench process meanwhile (ms): whether the load generator kept up. */
  benchLoopDelayP99Ms: number;
  /** CPU µs each accounted process spent per content delta delivered. */
  cpuUsPerDelta: Record<string, number>;
}

/** `count` paced streams at once through an arm. */
export async function pacedBatch(arm: Arm, count: number, label: string, timeoutMs: number, pids: Record<string, number>): Promise<Batch> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const before = cpuSnapshot(pids);
  try {
    const streams = await Promise.all(
      Array.from({ length: count }, (_, index) => streamChat(arm, arm.models.paced, `${label} ${index}`, { timeoutMs })),
    );
    const cpu = cpuSince(before, pids);
    const deltas = Math.max(
      1,
      streams.reduce((total, stream) => total + stream.deltas, 0),
    );
    const cpuUsPerDelta = Object.fromEntries(Object.entries(cpu).map(([name, ms]) => [name, Math.round((ms * 1000) / deltas)]));
    return { streams, benchLoopDelayP99Ms: delay.percentile(99) / 1e6, cpuUsPerDelta };
  } finally {
    delay.disable();
  }
}
