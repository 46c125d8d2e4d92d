import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboundGuard, OutboundRefusedError } from "./guard.ts";

const rule = "which outbound requests may not reach (allow it with MCP_OUTBOUND_ALLOW)";
const strict = createOutboundGuard({ allowSetting: "MCP_OUTBOUND_ALLOW" });
/** A resolver with a public answer, so these tests never depend on the network's DNS. */
const publicResolve = async () => [{ address: "93.184.216.34", family: 4 }];

let server: Server;
let port: number;
let connections = 0;

beforeAll(async () => {
  server = createServer((_request, response) => response.end("hello"));
  server.on("connection", () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  port = typeof address === "object" && address ? (address satisfies AddressInfo).port : 0;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("checkUrl", () => {
  it.each([
    ["http://127.0.0.1:8080/mcp", "127.0.0.1:8080 is a loopback address"],
    ["http://169.254.169.254/latest/meta-data", "169.254.169.254 is a cloud metadata address"],
    ["http://10.0.0.1/mcp", "10.0.0.1 is a private address"],
    ["http://[::1]:3000/mcp", "[::1]:3000 is a loopback address"],
    ["http://[::ffff:127.0.0.1]/mcp", "[::ffff:7f00:1] is a loopback (IPv4-mapped) address"],
    ["http://0x7f.1/mcp", "127.0.0.1 is a loopback address"],
    ["http://0.0.0.0:80/mcp", "0.0.0.0 is an unspecified address"],
  ])("refuses %s, naming the rule", async (url, start) => {
    const refused = await strict.checkUrl(url).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OutboundRefusedError);
    expect(refused).toMatchObject({ code: "invalid_request", param: "url", message: `${start}, ${rule}` });
  });

  it("resolves host names and refuses when any address is not public", async () => {
    await expect(strict.checkUrl("http://localhost:9/mcp")).rejects.toMatchObject({
      code: "invalid_request",
      message: expect.stringMatching(/^localhost:9 resolves to loopback address (127\.0\.0\.1|::1), which outbound/),
    });
    const mixed = createOutboundGuard({
      resolve: async () => [
        { address: "93.184.216.34", family: 4 },
        { address: "10.9.8.7", family: 4 },
      ],
    });
    await expect(mixed.checkUrl("https://mixed.example/mcp")).rejects.toThrow(
      "mixed.example resolves to private address 10.9.8.7, which outbound requests may not reach",
    );
    await expect(createOutboundGuard({ resolve: publicResolve }).checkUrl("https://example.com/mcp")).resolves.toBeUndefined();
  });

  it("refuses other schemes, credentials and malformed URLs without echoing them", async () => {
    await expect(strict.checkUrl("ftp://example.com/file")).rejects.toMatchObject({ code: "invalid_request", param: "url" });
    await expect(strict.checkUrl("file:///etc/passwd")).rejects.toThrow("http: or https:");
    const credentials = await strict.checkUrl("http://alice:s3cret@example.com/mcp").catch((error: unknown) => error);
    expect(credentials).toMatchObject({ code: "invalid_request", param: "url" });
    expect(String(credentials)).not.toContain("s3cret");
    expect(String(credentials)).not.toContain("alice");
    await expect(strict.checkUrl("not a url")).rejects.toMatchObject({ code: "invalid_request", param: "url" });
    await expect(createOutboundGuard().checkUrl("http://no-such-host.invalid/mcp")).rejects.toMatchObject({ code: "invalid_request" });
  });

  it("lets allow-listed hosts, IPs and CIDRs through", async () => {
    const allowed = createOutboundGuard({ allow: ["localhost", "127.0.0.1", "10.1.0.0/16", "::1"] });
    await expect(allowed.checkUrl("http://localhost:9/mcp")).resolves.toBeUndefined();
    await expect(allowed.checkUrl("http://127.0.0.1:9/mcp")).resolves.toBeUndefined();
    await expect(allowed.checkUrl("http://[::1]:9/mcp")).resolves.toBeUndefined();
    await expect(allowed.checkUrl("http://10.1.2.3/mcp")).resolves.toBeUndefined();
    await expect(allowed.checkUrl("http://10.2.0.1/mcp")).rejects.toThrow("private address");
    await expect(allowed.checkUrl("http://169.254.169.254/")).rejects.toThrow("cloud metadata");
    // An allowed address opens every name that resolves to it, and nothing else those names resolve to.
    const byAddress = createOutboundGuard({ allow: ["10.1.0.0/16"], resolve: async () => [{ address: "10.1.0.5", family: 4 }] });
    await expect(byAddress.checkUrl("http://mcp.internal/mcp")).resolves.toBeUndefined();
  });
});

describe("connecting", () => {
  it("refuses a literal loopback IP before any connection is made", async () => {
    const before = connections;
    const refused = await strict.fetch(`http://127.0.0.1:${port}/`).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OutboundRefusedError);
    expect(String(refused)).toContain(`127.0.0.1 is a loopback address, ${rule}`);
    expect(connections).toBe(before);
  });

  it("refuses a name that resolves to loopback, checked on the addresses actually connected", async () => {
    const before = connections;
    await expect(strict.fetch(`http://localhost:${port}/`)).rejects.toThrow("localhost resolves to loopback address");
    // DNS rebinding: the name looks public when checked, then resolves to loopback when the socket is made.
    let answers = 0;
    const rebinding = createOutboundGuard({
      resolve: async () => [{ address: answers++ === 0 ? "93.184.216.34" : "127.0.0.1", family: 4 }],
    });
    await rebinding.checkUrl(`http://rebind.example:${port}/`);
    await expect(rebinding.fetch(`http://rebind.example:${port}/`)).rejects.toThrow(
      "rebind.example resolves to loopback address 127.0.0.1",
    );
    expect(connections).toBe(before);
  });

  it("connects once the address is allow-listed", async () => {
    const before = connections;
    const allowed = createOutboundGuard({ allow: ["127.0.0.1"] });
    const response = await allowed.fetch(`http://127.0.0.1:${port}/`);
    expect(await response.text()).toBe("hello");
    const named = createOutboundGuard({ allow: ["127.0.0.1"], resolve: async () => [{ address: "127.0.0.1", family: 4 }] });
    expect(await (await named.fetch(`http://mcp.internal:${port}/`)).text()).toBe("hello");
    expect(connections).toBe(before + 2);
    await allowed.dispatcher.close();
    await named.dispatcher.close();
  });

  it("gives net.connect a lookup that refuses forbidden names", async () => {
    const before = connections;
    const failed = await new Promise<Error>((resolve) => {
      const socket = connect({ host: "localhost", port, lookup: strict.lookup });
      socket.once("connect", () => resolve(new Error("connected")));
      socket.once("error", resolve);
    });
    expect(failed).toBeInstanceOf(OutboundRefusedError);
    expect(connections).toBe(before);
  });
});
