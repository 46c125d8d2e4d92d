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
 * dropped per run.
 */
export interface ExecutorLink {
  /** This executor's link id, sent back with every accept. */
  readonly id: string;
  /** Routes credit and cancel for `runId` here, and calls its heartbeat, until the returned function is called. */
  open(runId: string, controls: RunControls): () => void;
  /** Queues one event of a run, or the answer to its request, for the gateway at `gatewayLink`. */
  emit(gatewayLink: string, runId: string, event: RunEvent | RunReply): void;
  /** Runs open on this link now. */
  openRuns(): number;
  close(): void;
}

export function createExecutorLink(nats: NatsConnection, subjects: Subjects): ExecutorLink {
  const id = randomUUID();
  // Every open run, heartbeated together by one timer.
  const runs = createTickingMap<RunControls>(runLimits.heartbeatMs, (_runId, run) => run.onHeartbeat());
  const batcher = createBatcher(nats);

  const emit = (gatewayLink: string, runId: string, event: RunEvent | RunReply) =>
    batcher.push(subjects.link("gateway", gatewayLink), JSON.stringify({ runId, ...event }));
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
    openRuns: runs.size,
    close() {
      runs.close();
      batcher.flush();
      subscription.unsubscribe();
    },
  };
}
