import { requestJson, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let system: TestSystem;
let upstream: Upstream;

beforeAll(async () => {
  upstream = await startUpstream();
  system = await startSystem({
    withMcp: true,
    withSessions: true,
    env: {
      SWITCHYARD_MODELS: JSON.stringify({ scripted: { base_url: upstream.url, model: "agent-script" } }),
      // The agent's tool server is this very gateway, on loopback: the operator lets the mcp service reach it.
      MCP_OUTBOUND_ALLOW: "127.0.0.1",
      MCP_CONFIG_PATH: "",
    },
  });
});
afterAll(async () => {
  await system?.stop();
  await upstream?.stop();
});

const agent = (allow: string) =>
  [
    "kind: agent",
    "name: loop",
    "model: scripted",
    "instructions: Use your tool.",
    "tools:",
    `  - { mcp: self${allow} }`,
    "max_steps: 3",
  ].join("\n");

describe("recursion through the gateway's own MCP endpoint", () => {
  it("carries a hop count through runs and tool calls, and stops past the limit", async () => {
    const url = system.url();
    // The gateway as an MCP server of its own mcp service, its key (as a whole Authorization value) in the credentials store.
    const created = await requestJson(`${url}/v1/keys`, { body: { name: "self", role: "invoke" } });
    const secret = (created.body as { secret: string }).secret;
    expect((await requestJson(`${url}/v1/credentials`, { body: { name: "self-bearer", value: `Bearer ${secret}` } })).status).toBe(201);
    // A credential reference, written as the mcp service reads it (not a template literal).
    const reference = ["$", "{credential:self-bearer}"].join("");
    const server = { id: "self", url: `${url}/mcp`, headers: { authorization: reference } };
    expect((await requestJson(`${url}/v1/mcp/servers`, { body: server })).status).toBe(201);

    // The agent calls itself through that server: deployed, then the server reconnected so its tools include it.
    expect((await requestJson(`${url}/v1/agents`, { rawBody: agent(""), headers: { "content-type": "application/yaml" } })).status).toBe(
      201,
    );
    expect((await requestJson(`${url}/v1/mcp/servers/self`, { method: "PUT", body: server })).status).toBe(200);
    await expect
      .poll(async () =>
        ((await requestJson(`${url}/v1/mcp/servers/self`)).body as { tools: { name: string }[] }).tools.map((tool) => tool.name),
      )
      .toContain("loop");
    expect(
      (
        await requestJson(`${url}/v1/agents/loop`, {
          method: "PUT",
          rawBody: agent(", allow: [loop]"),
          headers: { "content-type": "application/yaml" },
        })
      ).status,
    ).toBe(200);

    const before = upstream.requests.length;
    const answer = await requestJson(`${url}/v1/agents/loop/invoke`, { body: { message: "go" } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    // Each nested run asks the model twice (a tool call, then an answer): 4 runs deep, then the fifth call is refused.
    const calls = upstream.requests.slice(before);
    console.log(`recursion: ${calls.length} model calls for one request`);
    expect(calls).toHaveLength(8);
    expect(JSON.stringify(answer.body)).toContain("runs deep through Switchyard's MCP endpoint (the limit is 4)");
  });
});
