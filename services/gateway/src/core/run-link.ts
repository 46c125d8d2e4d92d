import { randomUUID } from "node:crypto";
import { type RunControl, type RunEvent, type RunReply, readLinkedEvent, runLimits, type Subjects } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { createBatcher, createTickingMap, decodeBatch, type NatsConnection } from "@switchyard/nats";

/** NATS's status code for a message published with a reply subject that nobody subscribes to. */
const noResponders = 503;

/** Where the events of one run go. */
export interface RunHandler {
  onEvent(event: RunEvent): void;
  /** The executor's answer to a request for this run (or NATS's, when no executor listens). */
  onReply(reply: RunReply): void;
  /** An item naming this run could not be read: the executor's fault. */
  onMalformed(): void;
}

/**
 * A gateway's end of the run link: one subscription for the replies and events of every run
 * it asked for (`<prefix>.link.gateway.<id>`, batched by the executors), one for NATS's "no
 * responders" answers (`<prefix>.link.gateway.<id>.<runId>`), and one batcher for what it
 * tells executors (credit, cancel) on theirs. No subscription is made or dropped per run.
 */
export interface GatewayLink {
  /** This gateway's link id, sent with every run request. */
  readonly id: string;
  /** Routes the events of `runId` to `handler` until the returned function is called. */
  open(runId: string, handler: RunHandler): () => void;
  /** Tells the executor at `executorLink` about one of its runs. */
  send(executorLink: string, control: RunControl): void;
  /**
   * Repeats `{credit, upTo()}` for this run every heartbeat until the returned function is
   * called: the executor reads that as "the client is still there". One timer for all runs.
   */
  keepGranting(runId: string, executorLink: string, upTo: () => number): () => void;
  /** Runs whose events this link routes now. */
  openRuns(): number;
  close(): void;
}

export function createGatewayLink(nats: NatsConnection, subjects: Subjects): GatewayLink {
  const id = randomUUID();
  const handlers = new Map<string, RunHandler>();
  const batcher = createBatcher(nats);
  const send = (executorLink: string, control: RunControl) =>
    batcher.push(subjects.link("executor", executorLink), JSON.stringify(control));
  // Every streamed run's grant, repeated together by one timer.
  const granting = createTickingMap<{ executorLink: string; upTo(): number }>(runLimits.heartbeatMs, (runId, grant) =>
    send(grant.executorLink, { runId, type: "credit", upTo: grant.upTo() }),
  );
  const subscription = nats.subscribe(subjects.link("gateway", id), {
    callback: (error, message) => {
      if (error) return;
      // Not a batch: no run can be told. Its runs' watchdogs end them if nothing readable follows.
      const items = decodeBatch(message.data);
      if (!items) return;
      for (const item of items) {
        const linked = readLinkedEvent(item);
        const handler = linked && handlers.get(linked.runId);
        if (!handler) continue;
        const event = linked.event;
        if (!event) handler.onMalformed();
        else if (event.type === "accepted" || event.type === "refused") handler.onReply(event);
        else handler.onEvent(event);
      }
    },
  });
  const statusPrefix = subjects.linkStatus(id).slice(0, -1);
  const statuses = nats.subscribe(subjects.linkStatus(id), {
    callback: (error, message) => {
      if (error || message.headers?.code !== noResponders) return;
      const handler = handlers.get(message.subject.slice(statusPrefix.length));
      handler?.onReply({ type: "refused", error: new AppError("unavailable", "no executor is available").toWire() });
    },
  });

  return {
    id,
    open(runId, handler) {
      handlers.set(runId, handler);
      return () => {
        if (handlers.get(runId) === handler) handlers.delete(runId);
      };
    },
    send,
    keepGranting: (runId, executorLink, upTo) => granting.set(runId, { executorLink, upTo }),
    openRuns: () => handlers.size,
    close() {
      granting.close();
      batcher.flush();
      subscription.unsubscribe();
      statuses.unsubscribe();
    },
  };
}
