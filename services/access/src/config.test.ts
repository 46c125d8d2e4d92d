import { randomBytes } from "node:crypto";
import { commonEnv, parseEnv } from "@switchyard/config";
import { describe, expect, it } from "vitest";
import { accessEnv } from "./config.ts";
import { randomBase62 } from "./ids.ts";

const parse = (env: Record<string, string>) => parseEnv({ ...commonEnv, ...accessEnv }, env);

describe("access configuration", () => {
  it("has the documented defaults and no key", () => {
    const config = parse({});
    expect(config).toMatchObject({
      ACCESS_TOKEN_TTL_SECONDS: 604_800,
      ACCESS_AUTH_FAILURES_PER_MINUTE: 10,
      ACCESS_AUTH_BLOCK_SECONDS: 300,
      ACCESS_MAX_KEYS: 10_000,
      ACCESS_MAX_CREDENTIALS: 1000,
      ACCESS_AUDIT_MAX_ENTRIES: 10_000,
      ACCESS_GRPC_ADDRESS: "127.0.0.1:50054",
    });
    expect(config.SWITCHYARD_SECRET_KEY).toBeUndefined();
  });

  it("takes a 32-byte secret key as hex or base64", () => {
    const key = randomBytes(32);
    expect(parse({ SWITCHYARD_SECRET_KEY: key.toString("hex") }).SWITCHYARD_SECRET_KEY?.equals(key)).toBe(true);
    expect(parse({ SWITCHYARD_SECRET_KEY: key.toString("base64") }).SWITCHYARD_SECRET_KEY?.equals(key)).toBe(true);
  });

  it("refuses a secret key of any other length with a clear error", () => {
    for (const bad of [randomBytes(16).toString("hex"), randomBytes(31).toString("base64"), "not a key at all", "ab".repeat(33)]) {
      expect(() => parse({ SWITCHYARD_SECRET_KEY: bad })).toThrow(/SWITCHYARD_SECRET_KEY: must be 32 bytes/);
    }
  });

  it("refuses an admin key shorter than 32 characters", () => {
    expect(() => parse({ SWITCHYARD_ADMIN_KEY: "short" })).toThrow(/SWITCHYARD_ADMIN_KEY/);
    expect(parse({ SWITCHYARD_ADMIN_KEY: `sy-${randomBase62(32)}` }).SWITCHYARD_ADMIN_KEY).toHaveLength(35);
  });
});

describe("random base62", () => {
  it("uses every character of the alphabet about equally often", () => {
    const sample = randomBase62(62 * 1000);
    const counts = new Map<string, number>();
    for (const character of sample) counts.set(character, (counts.get(character) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Expected 1000 each; a modulo bias (256 % 62) would put the first 8 characters near 1200.
    for (const count of counts.values()) expect(Math.abs(count - 1000)).toBeLessThan(200);
  });
});
