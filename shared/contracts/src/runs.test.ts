import { describe, expect, it } from "vitest";
import { readLinkedEvent } from "./runs.ts";

describe("readLinkedEvent", () => {
  it("reads deltas, heartbeats and accepts by hand, without the run id or any extra field", () => {
    expect(readLinkedEvent({ runId: "r-12345678", type: "delta", seq: 3, component: "a", text: "hi", extra: 1 })).toEqual({
      runId: "r-12345678",
      event: { type: "delta", seq: 3, component: "a", text: "hi" },
    });
    expect(readLinkedEvent({ runId: "r-12345678", type: "heartbeat" })).toEqual({ runId: "r-12345678", event: { type: "heartbeat" } });
    expect(readLinkedEvent({ runId: "r-12345678", type: "accepted", executor: "e", link: "link-0001" })).toEqual({
      runId: "r-12345678",
      event: { type: "accepted", executor: "e", link: "link-0001" },
    });
  });

  it("sends everything else through the schemas: a good done or refusal reads, a bad field is malformed", () => {
    expect(readLinkedEvent({ runId: "r-12345678", type: "done", seq: 0, outputs: { a: 1 } })?.event).toEqual({
      type: "done",
      seq: 0,
      outputs: { a: 1 },
    });
    const refused = readLinkedEvent({ runId: "r-12345678", type: "refused", error: { code: "not_found", message: "no x" } });
    expect(refused?.event).toMatchObject({ type: "refused", error: { code: "not_found" } });
    for (const bad of [
      { type: "delta", seq: -1, component: "a", text: "x" },
      { type: "delta", seq: 1.5, component: "a", text: "x" },
      { type: "delta", seq: 1, component: "a", text: 7 },
      { type: "accepted", executor: "e", link: "a.b" },
      { type: "done", seq: 0 },
      { type: "nonsense" },
    ]) {
      expect(readLinkedEvent({ runId: "r-12345678", ...bad })).toEqual({ runId: "r-12345678", event: undefined });
    }
  });

  it("names no run for an item without a string run id", () => {
    expect(readLinkedEvent({ type: "heartbeat" })).toBeUndefined();
    expect(readLinkedEvent({ runId: 5, type: "heartbeat" })).toBeUndefined();
    expect(readLinkedEvent("text")).toBeUndefined();
    expect(readLinkedEvent(null)).toBeUndefined();
  });
});
