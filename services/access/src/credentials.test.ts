import { randomBytes } from "node:crypto";
import { CredentialChanged, endpoints } from "@switchyard/contracts";
import { createAccessClient } from "@switchyard/grpc";
import { decodeJson } from "@switchyard/nats";
import type { Redis } from "@switchyard/redis";
import { describe, expect, it } from "vitest";
import { mask } from "./credentials.ts";
import { layout } from "./layout.ts";
import { access, infra, rejection, startAccess, useAccessFile } from "./test-harness.ts";

const logLines: string[] = [];

useAccessFile({ SWITCHYARD_SECRET_KEY: randomBytes(32).toString("base64") }, { logLines });

/** Every key name and every value in the database, read the right way for its type. */
async function everything(redis: Redis): Promise<string[]> {
  const seen: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "COUNT", 100);
    cursor = next;
    for (const key of keys) {
      seen.push(key);
      const type = await redis.type(key);
      if (type === "string") seen.push((await redis.get(key)) ?? "");
      else if (type === "hash") seen.push(...Object.entries(await redis.hgetall(key)).flat());
      else if (type === "list") seen.push(...(await redis.lrange(key, 0, -1)));
      else if (type === "set") seen.push(...(await redis.smembers(key)));
      else if (type === "zset") seen.push(...(await redis.zrange(key, 0, -1, "WITHSCORES")));
      else throw new Error(`unexpected Redis type ${type} for ${key}`);
    }
  } while (cursor !== "0");
  return seen;
}

describe("credentials", () => {
  it("stores a value sealed: the plaintext is in no Redis key or value and no log line; gRPC returns it", async () => {
    const canary = `sk-canary-${randomBytes(16).toString("hex")}-tail`;
    const events: string[] = [];
    const subscription = access.bus.nats.subscribe(access.bus.subjects.event("accessCredentialChanged"), {
      callback: (_error, message) => {
        events.push(decodeJson(CredentialChanged, message.data).name);
      },
    });
    await access.bus.nats.flush();
    const info = await access.call(endpoints.accessCredentialPut, {
      name: "openai",
      value: canary,
      type: "api_key",
      provider: "openai",
      metadata: { baseUrl: "https://api.openai.com/v1" },
      createdBy: "key_aaaaaaaaaaaaaaaa",
      create: true,
    });
    events.push("reply");
    subscription.unsubscribe();
    expect(events).toEqual(["openai", "reply"]);
    expect(info).toMatchObject({
      name: "openai",
      type: "api_key",
      provider: "openai",
      masked: "sk-…tail",
      createdBy: "key_aaaaaaaaaaaaaaaa",
    });
    expect(info.metadata).toEqual({ baseUrl: "https://api.openai.com/v1" });

    const stored = await everything(access.redis);
    expect(stored.length).toBeGreaterThan(0);
    const middle = canary.slice(3, -4);
    const encodings = [canary, middle, Buffer.from(canary).toString("base64"), Buffer.from(canary).toString("hex")];
    for (const value of stored) for (const encoded of encodings) expect(value).not.toContain(encoded);
    for (const line of logLines) expect(line).not.toContain(middle);

    const client = createAccessClient(access.grpcAddress);
    try {
      const value = await client.getCredential("openai", { deadlineMs: 5000 });
      expect(value).toEqual({ name: "openai", value: canary, updatedAt: info.updatedAt });
      expect((await rejection(client.getCredential("absent", { deadlineMs: 5000 }))).code).toBe("not_found");
    } finally {
      client.close();
    }
  });

  it("refuses creating over an existing name, replaces otherwise, keeping who created it", async () => {
    await access.call(endpoints.accessCredentialPut, { name: "github", value: "ghp_first_value_000", createdBy: "alice", create: true });
    const conflict = await rejection(access.call(endpoints.accessCredentialPut, { name: "github", value: "x", create: true }));
    expect(conflict.code).toBe("conflict");
    const replaced = await access.call(endpoints.accessCredentialPut, { name: "github", value: "ghp_second", createdBy: "bob" });
    expect(replaced).toMatchObject({ createdBy: "alice", masked: "…nd", type: "secret" });
    const client = createAccessClient(access.grpcAddress);
    try {
      expect((await client.getCredential("github", { deadlineMs: 5000 })).value).toBe("ghp_second");
    } finally {
      client.close();
    }
  });

  it("lists by name with offset and limit, gets info only, and deletes", async () => {
    for (const name of ["zeta", "alpha", "mid"]) await access.call(endpoints.accessCredentialPut, { name, value: `value-of-${name}` });
    const all = await access.call(endpoints.accessCredentialList, {});
    const names = all.items.map((item) => item.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(["alpha", "mid", "zeta"]));
    const page = await access.call(endpoints.accessCredentialList, { limit: 1, offset: 1 });
    expect(page.items.map((item) => item.name)).toEqual([names[1]]);
    expect(page.total).toBe(all.total);
    const got = await access.call(endpoints.accessCredentialGet, { name: "alpha" });
    expect(JSON.stringify(got)).not.toContain("value-of-alpha");
    await access.call(endpoints.accessCredentialDelete, { name: "alpha" });
    expect((await rejection(access.call(endpoints.accessCredentialGet, { name: "alpha" }))).code).toBe("not_found");
    expect((await rejection(access.call(endpoints.accessCredentialDelete, { name: "alpha" }))).code).toBe("not_found");
    expect((await access.call(endpoints.accessCredentialList, {})).total).toBe(all.total - 1);
  });

  it("does not open a sealed value copied under another name (the name is authenticated)", async () => {
    await access.call(endpoints.accessCredentialPut, { name: "original", value: "a secret bound to its name" });
    const fields = await access.redis.hgetall(layout.credential("original"));
    await access.redis.hset(layout.credential("copy"), { ...fields, name: "copy" });
    const client = createAccessClient(access.grpcAddress);
    try {
      expect((await rejection(client.getCredential("copy", { deadlineMs: 5000 }))).code).toBe("internal");
    } finally {
      client.close();
    }
  });

  it("bounds the number of credentials", async () => {
    const small = await startAccess(infra, { SWITCHYARD_SECRET_KEY: randomBytes(32).toString("hex"), ACCESS_MAX_CREDENTIALS: "2" });
    try {
      await small.call(endpoints.accessCredentialPut, { name: "one", value: "1" });
      await small.call(endpoints.accessCredentialPut, { name: "two", value: "2" });
      expect((await rejection(small.call(endpoints.accessCredentialPut, { name: "three", value: "3" }))).code).toBe("conflict");
      // Replacing one that exists is still fine.
      await small.call(endpoints.accessCredentialPut, { name: "two", value: "2b" });
    } finally {
      await small.stop();
    }
  });

  it("refuses to store or read a credential without SWITCHYARD_SECRET_KEY", async () => {
    const keyless = await startAccess(infra);
    try {
      const error = await rejection(keyless.call(endpoints.accessCredentialPut, { name: "openai", value: "sk-whatever" }));
      expect(error.toWire()).toEqual({
        code: "unavailable",
        message: "storing credentials needs SWITCHYARD_SECRET_KEY (32 bytes, hex or base64) on the access service",
        retryable: false,
      });
      expect(await keyless.redis.exists(layout.credential("openai"))).toBe(0);
      const client = createAccessClient(keyless.grpcAddress);
      try {
        expect((await rejection(client.getCredential("openai", { deadlineMs: 5000 }))).code).toBe("unavailable");
      } finally {
        client.close();
      }
    } finally {
      await keyless.stop();
    }
  });
});

describe("mask", () => {
  it("shows the first 3 and last 4 of 12+ characters, the last 2 of 6 to 11, nothing under 6", () => {
    expect(mask("sk-1234567890abcd")).toBe("sk-…abcd");
    expect(mask("123456789012")).toBe("123…9012");
    expect(mask("12345678901")).toBe("…01");
    expect(mask("123456")).toBe("…56");
    expect(mask("12345")).toBe("…");
  });
});

describe("audit", () => {
  it("keeps the newest entries up to the cap, newest first", async () => {
    const small = await startAccess(infra, { ACCESS_AUDIT_MAX_ENTRIES: "2" });
    try {
      for (const target of ["first", "second", "third"]) {
        await small.call(endpoints.accessAuditRecord, { actor: { keyId: "key_aaaaaaaaaaaaaaaa" }, action: "key.create", target });
      }
      const list = await small.call(endpoints.accessAuditList, {});
      expect(list.total).toBe(2);
      expect(list.items.map((item) => item.target)).toEqual(["third", "second"]);
      expect(Date.parse(list.items[0]?.at ?? "")).toBeGreaterThan(0);
      expect((await small.call(endpoints.accessAuditList, { offset: 1, limit: 5 })).items.map((item) => item.target)).toEqual(["second"]);
    } finally {
      await small.stop();
    }
  });
});
