import { requestJson, startSystem, type TestSystem } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { greetYaml } from "./helpers.ts";

let system: TestSystem;

beforeAll(async () => {
  system = await startSystem({ gateways: 2, executors: 2 });
});
afterAll(async () => {
  await system?.stop();
});

/** Runs through a gateway until both executors have answered; returns every result seen. */
async function runUntilBothExecutors(url: string): Promise<{ texts: Set<string>; executors: Set<string> }> {
  const texts = new Set<string>();
  const executors = new Set<string>();
  for (let attempt = 0; attempt < 200 && executors.size < 2; attempt += 1) {
    const run = await requestJson(`${url}/hello/run`, { body: { name: "Ada" } });
    expect(run.status).toBe(200);
    texts.add((run.body as { result: { text: string } }).result.text);
    executors.add(run.headers.get("x-switchyard-executor") ?? "");
  }
  return { texts, executors };
}

describe("several gateways and executors", () => {
  it("serves a deploy made through one gateway from the other, and both executors see an overwrite", async () => {
    const [first, second] = [system.url(0), system.url(1)];
    expect(first).not.toBe(second);
    const deployed = await requestJson(`${first}/deploy-yaml`, { body: { name: "hello", source_code: greetYaml("Hello") } });
    expect(deployed.status).toBe(200);

    // Both executors run (and so cache) version 1.
    const before = await runUntilBothExecutors(second);
    expect(before.executors.size).toBe(2);
    expect([...before.texts]).toEqual(["Hello, Ada x1"]);

    // Overwrite through the second gateway; every later run on either executor sees it.
    const overwritten = await requestJson(`${second}/deploy-yaml`, {
      body: { name: "hello", source_code: greetYaml("Bonjour"), overwrite: true },
    });
    expect(overwritten.status).toBe(200);
    const after = await runUntilBothExecutors(first);
    expect(after.executors).toEqual(before.executors);
    expect([...after.texts]).toEqual(["Bonjour, Ada x1"]);

    const statuses = await Promise.all([first, second].map((url) => requestJson(`${url}/status`)));
    expect(statuses[0]?.body).toEqual(statuses[1]?.body);
  });
});
