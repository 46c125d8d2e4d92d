import { headers as natsHeaders } from "@nats-io/transport-node";
import { type SingleServer, startNatsOnly } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTurnPublisher } from "./batch.ts";
import { connectNats } from "./connect.ts";

let server: SingleServer | undefined;

beforeAll(async () => {
  server = await startNatsOnly("turn-publisher-test");
});

afterAll(async () => {
  await server?.stop();
});

const encoder = new TextEncoder();
const marked = (value: string) => {
  const headers = natsHeaders();
  headers.set("x-mark", value);
  return headers;
};
const decoder = new TextDecoder();

async function connect(name: string) {
  if (!server) throw new Error("nats-server did not start");
  return connectNats({ url: server.url, name });
}

describe("createTurnPublisher", () => {
  it("publishes at the end of the turn, in order, with reply subjects and headers kept", async () => {
    const publisher = await connect("turn-publisher");
    const reader = await connect("turn-reader");
    const seen: { text: string; reply: string | undefined; mark: string | undefined }[] = [];
    reader.subscribe("turn.test", {
      callback: (_error, message) => {
        seen.push({ text: decoder.decode(message.data), reply: message.reply, mark: message.headers?.get("x-mark") });
      },
    });
    await reader.flush();
    const turn = createTurnPublisher(publisher);
    const sent = Array.from({ length: 50 }, (_, index) =>
      turn.publish("turn.test", encoder.encode(`m${index}`), { reply: `back.${index}`, headers: marked(`h${index}`) }),
    );
    // Nothing left before the turn ended: the client holds nothing yet.
    expect(publisher.stats().outMsgs).toBe(0);
    await Promise.all(sent);
    expect(publisher.stats().outMsgs).toBe(50);
    await publisher.flush();
    await reader.flush();
    await expect.poll(() => seen.length).toBe(50);
    expect(seen.map((message) => message.text)).toEqual(Array.from({ length: 50 }, (_, index) => `m${index}`));
    expect(seen[7]).toEqual({ text: "m7", reply: "back.7", mark: "h7" });
    await publisher.close();
    await reader.close();
  });

  it("sends at once when a turn holds its limit, and rejects what a closed connection refuses", async () => {
    const publisher = await connect("turn-limit");
    const turn = createTurnPublisher(publisher);
    const sent = Array.from({ length: 1024 }, () => turn.publish("turn.limit", encoder.encode("x")));
    // The 1024th filled the turn: all went out without waiting for its end.
    expect(publisher.stats().outMsgs).toBe(1024);
    await Promise.all(sent);
    await publisher.close();
    await expect(turn.publish("turn.limit", encoder.encode("late"))).rejects.toThrow();
  });
});
