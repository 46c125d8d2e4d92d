import { AppError } from "@switchyard/errors";
import { defineScript, luaNow, type Redis } from "@switchyard/redis";
import { nonce } from "./ids.ts";
import { layout } from "./layout.ts";

/**
 * Lua: counts one failure for an address in a 60 s sliding window (a sorted set of
 * failure times, at most `limit` members, expiring with the window); at `limit` failures
 * the address is blocked for `blockMs` and the count starts over. Shared by the
 * authentication script and the login path, so keys and passwords add up to one count.
 */
export const luaRecordFailure = `
local function recordFailure(failures, blocked, now, limit, blockMs, member)
  redis.call('ZREMRANGEBYSCORE', failures, '-inf', now - 60000)
  redis.call('ZADD', failures, now, now .. ':' .. member)
  redis.call('ZREMRANGEBYRANK', failures, 0, -(limit + 1))
  redis.call('PEXPIRE', failures, 60000)
  if redis.call('ZCARD', failures) >= limit then
    redis.call('SET', blocked, '1', 'PX', blockMs)
    redis.call('DEL', failures)
  end
end
`;

const failScript = defineScript(`${luaNow}${luaRecordFailure}
recordFailure(KEYS[1], KEYS[2], now, tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3])
return 1
`);

export interface GuardRules {
  failuresPerMinute: number;
  blockMs: number;
}

/** What a blocked address hears, whatever it presents. */
export function blockedError(remainingMs: number): AppError {
  return new AppError("rate_limited", "too many failed attempts from this address; try again later", {
    details: { retryAfter: Math.max(1, Math.ceil(remainingMs / 1000)) },
  });
}

/** Brute-force protection per client address, for the paths outside the authentication script (logins, TOTP). */
export function createGuard(redis: Redis, rules: GuardRules) {
  return {
    rules,
    /** Refuses while the address is blocked; a success never lifts a block. */
    async check(client: string): Promise<void> {
      const remaining = await redis.pttl(layout.blocked(client));
      if (remaining > 0) throw blockedError(remaining);
    },
    async fail(client: string): Promise<void> {
      await failScript.run(redis, [layout.failures(client), layout.blocked(client)], [rules.failuresPerMinute, rules.blockMs, nonce()]);
    },
  };
}

export type Guard = ReturnType<typeof createGuard>;
