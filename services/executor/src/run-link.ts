import { randomUUID } from "node:crypto";
import { RunControl, type RunEvent, type RunReply, runLimits, type Subjects } from "@switchyard/contracts";
import { createBatcher, createTickingMap, decodeBatch, type NatsConnection } from "@switchyard/nats";

/** What a gateway can tell the executor about one of its runs. */
export interface RunControls {
  onCredit(upTo: number): void;
  onCancel(): void;
  /** Called every heartbeat while the run is open. */
  onHeartbeat(): void;
}

/**
 * An executor's end of the run link: events go to the asking gateway's link subject, batched
 * per gateway (one message for whatever every run produced in one turn of the event loop);
 * credit and cancel for every run arrive on one subscription (`<prefix>.link.executor.<id>`).
 * Heartbeats of all open runs go out together from one timer. No subscription is made or
 * dropped per run. A run's `accepted` waits briefly for its first event, to share its message.
 */
export interface ExecutorLink {
  /** This executor's link id, sent back with every accept. */
  readonly id: string;
  /** Routes credit and cancel for `runId` here, and calls its heartbeat, until the returned function is called. */
  open(runId: string, controls: RunControls): () => void;
  /** Queues one event of a run, or the answer to its request, for the gateway at `gatewayLink`. */
  emit(gatewayLink: string, runId: string, event: RunEvent | RunReply): void;
  /**
   * Queues a run's `accepted`, held back for at most `acceptHoldMs` so that it leaves in the
   * same message as the run's first event when that comes soon (a quick run's `done`): one
   * message to the gateway instead of two. Any event of the run sends it first.
   */
  accept(gatewayLink: string, runId: string, accepted: Extract<RunReply, { type: "accepted" }>): void;
  /** Runs open on this link now. */
  openRuns(): number;
  close(): void;
}

/** Longest an `accepted` waits for its run's first event: what a cancel sent right after the request may be delayed by. */
export const acceptHoldMs = 3;

export function createExecutorLink(nats: NatsConnection, subjects: Subjects): ExecutorLink {
  const id = randomUUID();
  /** Accepts held back, by run id, each with the timer that sends it alone. */
  const held = new Map<string, { send(): void; timer: NodeJS.Timeout }>();
  // Every open run, heartbeated together by one timer.
  const runs = createTickingMap<RunControls>(runLimits.heartbeatMs, (_runId, run) => run.onHeartbeat());
  const batcher = createBatcher(nats);

  const push = (gatewayLink: string, runId: string, event: RunEvent | RunReply) =>
    batcher.push(subjects.link("gateway", gatewayLink), JSON.stringify({ runId, ...event }));
  const release = (runId: string) => {
    const accept = held.get(runId);
    if (!accept) return;
    clearTimeout(accept.timer);
    accept.send();
  };
  const emit = (gatewayLink: string, runId: string, event: RunEvent | RunReply) => {
    if (held.size > 0) release(runId);
    push(gatewayLink, runId, event);
  };
  const subscription = nats.subscribe(subjects.link("executor", id), {
    callback: (error, message) => {
      if (error) return;
      for (const item of decodeBatch(message.data) ?? []) {
        const control = RunControl.safeParse(item);
        if (!control.success) continue;
        const run = runs.get(control.data.runId);
        if (control.data.type === "credit") run?.onCredit(control.data.upTo);
        else run?.onCancel();
      }
    },
  });

  return {
    id,
    open: (runId, controls) => runs.set(runId, controls),
    emit,
    accept(gatewayLink, runId, accepted) {
      release(runId);
      const send = () => {
        held.delete(runId);
        push(gatewayLink, runId, accepted);
      };
      held.set(runId, { send, timer: setTimeout(send, acceptHoldMs) });
    },
    openRuns: runs.size,
    close() {
      runs.close();
      for (const runId of [...held.keys()]) release(runId);
      batcher.flush();
      subscription.unsubscribe();
    },
  };
}
