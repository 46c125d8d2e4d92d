import { randomUUID } from "node:crypto";
import { createSubjects, readLinkedEvent } from "@switchyard/contracts";
import { connectNats, decodeBatch } from "@switchyard/nats";
import { type SingleServer, startNatsOnly } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acceptHoldMs, createExecutorLink } from "./run-link.ts";

const subjects = createSubjects("sy");
let server: SingleServer | undefined;

beforeAll(async () => {
  server = await startNatsOnly("run-link-test");
});

afterAll(async () => {
  await server?.stop();
});

/** The executor's link and a gateway's subscription that keeps each message's items apart, with when it came. */
async function linkFixture() {
  if (!server) throw new Error("nats-server did not start");
  const gateway = await connectNats({ url: server.url, name: "test-gateway" });
  const executor = await connectNats({ url: server.url, name: "test-executor" });
  const link = createExecutorLink(executor, subjects);
  const gatewayLink = `gateway-${randomUUID()}`;
  const messages: { at: number; types: unknown[] }[] = [];
  gateway.subscribe(subjects.link("gateway", gatewayLink), {
    callback: (_error, message) => {
      const items = decodeBatch(message.data) ?? [];
      messages.push({ at: performance.now(), types: items.map((item) => readLinkedEvent(item)?.event?.type) });
    },
  });
  await gateway.flush();
  const accepted = { type: "accepted" as const, executor: "test", link: link.id };
  return {
    link,
    gatewayLink,
    accepted,
    messages,
    async [Symbol.asyncDispose]() {
      link.close();
      await gateway.close();
      await executor.close();
    },
  };
}

describe("createExecutorLink", () => {
  it("sends a quick run's accepted and first event in one message, accepted first", async () => {
    await using fixture = await linkFixture();
    const runId = randomUUID();
    fixture.link.accept(fixture.gatewayLink, runId, fixture.accepted);
    await new Promise((resolve) => setImmediate(resolve));
    fixture.link.emit(fixture.gatewayLink, runId, { type: "done", seq: 0, outputs: {} });
    await expect.poll(() => fixture.messages.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, acceptHoldMs * 3));
    expect(fixture.messages.map((message) => message.types)).toEqual([["accepted", "done"]]);
  });

  it("sends accepted alone once the hold is over when the run stays quiet", async () => {
    await using fixture = await linkFixture();
    const runId = randomUUID();
    const started = performance.now();
    fixture.link.accept(fixture.gatewayLink, runId, fixture.accepted);
    await expect.poll(() => fixture.messages.length).toBe(1);
    expect(fixture.messages[0]?.types).toEqual(["accepted"]);
    expect(fixture.messages[0]?.at ?? 0).toBeGreaterThanOrEqual(started + acceptHoldMs - 1);
    fixture.link.emit(fixture.gatewayLink, runId, { type: "heartbeat" });
    await expect.poll(() => fixture.messages.length).toBe(2);
    expect(fixture.messages[1]?.types).toEqual(["heartbeat"]);
  });
});
