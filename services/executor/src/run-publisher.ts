import type { OrderedRunEvent, RunEvent, Subjects } from "@switchyard/contracts";
import { type NatsConnection, publishJson } from "@switchyard/nats";

type Unsequenced<E> = E extends { seq: number } ? Omit<E, "seq"> : never;
export type RunEventBody = Unsequenced<OrderedRunEvent>;

export interface RunPublisher {
  /** Publishes the next event with the next sequence number. */
  emit(event: RunEventBody): void;
  heartbeat(): void;
}

/** Events of one run on its events subject, numbered from 0 with no gaps. */
export function createRunPublisher(nats: NatsConnection, subjects: Subjects, runId: string): RunPublisher {
  const subject = subjects.run(runId, "events");
  let seq = 0;
  return {
    emit(event) {
      const sequenced = { ...event, seq } as RunEvent;
      seq += 1;
      publishJson(nats, subject, sequenced);
    },
    heartbeat() {
      publishJson(nats, subject, { type: "heartbeat" } satisfies RunEvent);
    },
  };
}
