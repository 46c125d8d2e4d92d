import { endpoints, hashSecret } from "@switchyard/contracts";
import { describe, expect, it } from "vitest";
import { layout } from "./layout.ts";
import { access, rejection, useAccessFile } from "./test-harness.ts";

useAccessFile();

const wrongHash = hashSecret("sy-not-a-key-anyone-has-0000000000");
const authenticate = (secretHash: string, client: string) => access.call(endpoints.accessAuthenticate, { secretHash, client });

describe("brute-force protection per client address", () => {
  it("blocks an address after 10 failures, even for a valid key; another address is unaffected", async () => {
    const { secret } = await access.call(endpoints.accessKeyCreate, { name: "valid", role: "read" });
    const attacker = "203.0.113.7";
    for (let attempt = 0; attempt < 10; attempt++) {
      expect(await rejection(authenticate(wrongHash, attacker))).toMatchObject({ code: "unauthorized", message: "invalid API key" });
    }
    const blocked = await rejection(authenticate(hashSecret(secret), attacker));
    expect(blocked.code).toBe("rate_limited");
    expect(blocked.message).toBe("too many failed attempts from this address; try again later");
    const retryAfter = blocked.details?.retryAfter;
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(200);
    expect(retryAfter).toBeLessThanOrEqual(300);
    // A blocked address's further attempts neither count nor extend the block.
    expect((await rejection(authenticate(wrongHash, attacker))).code).toBe("rate_limited");
    expect(await access.redis.exists(layout.failures(attacker))).toBe(0);
    expect(await authenticate(hashSecret(secret), "198.51.100.1")).toMatchObject({ name: "valid" });
  });

  it("does not count a disabled key's real secret as a guess: its address is never blocked for it", async () => {
    const { key, secret } = await access.call(endpoints.accessKeyCreate, { name: "lapsed", role: "read" });
    const { secret: other } = await access.call(endpoints.accessKeyCreate, { name: "neighbour", role: "read" });
    await access.call(endpoints.accessKeyUpdate, { id: key.id, disabled: true });
    const client = "203.0.113.99";
    for (let attempt = 0; attempt < 12; attempt++) {
      expect(await rejection(authenticate(hashSecret(secret), client))).toMatchObject({
        code: "unauthorized",
        message: "API key is disabled",
      });
    }
    expect(await access.redis.exists(layout.failures(client))).toBe(0);
    expect(await authenticate(hashSecret(other), client)).toMatchObject({ name: "neighbour" });
  });

  it("counts failed logins with failed authentications, and a success does not unblock", async () => {
    await access.call(endpoints.accessSetup, { username: "root", password: "correct horse battery", client: "127.0.0.1" });
    const client = "192.0.2.44";
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await rejection(authenticate(wrongHash, client))).code).toBe("unauthorized");
    }
    // A right password in between resets nothing.
    await access.call(endpoints.accessLogin, { username: "root", password: "correct horse battery", client });
    for (let attempt = 0; attempt < 5; attempt++) {
      const error = await rejection(access.call(endpoints.accessLogin, { username: "root", password: "wrong password", client }));
      expect(error).toMatchObject({ code: "unauthorized", message: "invalid credentials" });
    }
    const refused = await rejection(access.call(endpoints.accessLogin, { username: "root", password: "correct horse battery", client }));
    expect(refused.code).toBe("rate_limited");
    expect(refused.details?.retryAfter).toBeGreaterThan(0);
  });

  it("keeps at most the limit of failures per address, expiring with the window", async () => {
    const client = "192.0.2.99";
    for (let attempt = 0; attempt < 3; attempt++) await rejection(authenticate(wrongHash, client));
    expect(await access.redis.zcard(layout.failures(client))).toBe(3);
    const ttl = await access.redis.pttl(layout.failures(client));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});
