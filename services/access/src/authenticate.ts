import { KeyLimits, KeyScopes, type Principal, parseJson } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { defineScript, luaNow, pairs, type Redis } from "@switchyard/redis";
import { z } from "zod";
import { blockedError, type GuardRules, luaRecordFailure } from "./guard.ts";
import { nonce } from "./ids.ts";
import { readStoredKey } from "./key-record.ts";
import { layout } from "./layout.ts";

/**
 * One round trip per authentication: refuse a blocked address; find the key by the
 * secret's hash; refuse (and count a failure for the address) an unknown secret or an old
 * one past its rotation grace (forgotten there and then); refuse a disabled or expired key
 * without counting (its secret is real, not a guess: a client polling with a lapsed token
 * must not get its whole address blocked);
 * else note `lastUsedAtMs` at most once a minute and return the key. All times are
 * Redis's clock, the one the rotation script wrote the grace period with.
 * KEYS: blocked, failures, secrets index. ARGV: hash, failure limit, block ms, member, key hash prefix.
 * Returns {'blocked', ms} | {reason} | {'ok', validUntil ms or -1, fields}.
 */
const authenticateScript = defineScript(`${luaNow}${luaRecordFailure}
local blockedFor = redis.call('PTTL', KEYS[1])
if blockedFor > 0 then return {'blocked', blockedFor} end
local function refuse(reason)
  recordFailure(KEYS[2], KEYS[1], now, tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4])
  return {reason}
end
local hash = ARGV[1]
local id = redis.call('HGET', KEYS[3], hash)
if not id then return refuse('unknown') end
local key = ARGV[5] .. id
local state = redis.call('HMGET', key, 'secretHash', 'previousSecretHash', 'previousSecretValidUntilMs', 'disabled', 'expiresAtMs', 'lastUsedAtMs')
local validUntil = nil
if state[1] ~= hash then
  if state[2] ~= hash then return refuse('unknown') end
  validUntil = tonumber(state[3])
  if not validUntil or validUntil <= now then
    redis.call('HDEL', KEYS[3], hash)
    redis.call('HDEL', key, 'previousSecretHash', 'previousSecretValidUntilMs')
    return refuse('unknown')
  end
end
if state[4] == '1' then return {'disabled'} end
local expires = state[5] and tonumber(state[5])
if expires and expires <= now then return {'expired'} end
if expires and (not validUntil or expires < validUntil) then validUntil = expires end
local last = state[6] and tonumber(state[6])
if not last or now - last >= 60000 then redis.call('HSET', key, 'lastUsedAtMs', string.format('%d', now)) end
return {'ok', validUntil or -1, redis.call('HGETALL', key)}
`);

const Reply = z.union([
  z.tuple([z.literal("blocked"), z.number()]),
  z.tuple([z.enum(["unknown", "disabled", "expired"])]),
  z.tuple([z.literal("ok"), z.number(), z.array(z.string())]),
]);

const refusals = {
  unknown: "invalid API key",
  disabled: "API key is disabled",
  expired: "API key has expired",
} as const;

const corrupt = (detail: string) => new AppError("internal", `a stored API key is unreadable: ${detail}`);

/** Secret hash → who it is, or `unauthorized` naming nothing secret, or `rate_limited` for a blocked address. */
export function createAuthenticator(redis: Redis, rules: GuardRules) {
  return async function authenticate(secretHash: string, client: string): Promise<Principal> {
    const reply = Reply.parse(
      await authenticateScript.run(
        redis,
        [layout.blocked(client), layout.failures(client), layout.secrets],
        [secretHash, rules.failuresPerMinute, rules.blockMs, nonce(), layout.key("")],
      ),
    );
    if (reply[0] === "blocked") throw blockedError(reply[1]);
    if (reply[0] !== "ok") throw new AppError("unauthorized", refusals[reply[0]]);
    const key = readStoredKey(pairs(reply[2]));
    return {
      keyId: key.id,
      name: key.name,
      role: key.role,
      scopes: parseJson(KeyScopes, key.scopes, corrupt),
      limits: parseJson(KeyLimits, key.limits, corrupt),
      kind: key.kind,
      ...(key.userId === undefined ? {} : { userId: key.userId }),
      ...(reply[1] < 0 ? {} : { validUntil: new Date(reply[1]).toISOString() }),
    };
  };
}
