import { AppError } from "@switchyard/errors";
import { defineScript, luaNow, type Redis } from "@switchyard/redis";
import { z } from "zod";
import { nonce } from "./ids.ts";
import { layout } from "./layout.ts";

/** Pipelit's rules: at most 5 codes per user a minute; 10 wrong in a row lock TOTP for 15 minutes. */
export interface MfaRules {
  attemptsPerWindow: number;
  windowMs: number;
  lockAfterFailures: number;
  lockMs: number;
}

export const defaultMfaRules: MfaRules = { attemptsPerWindow: 5, windowMs: 60_000, lockAfterFailures: 10, lockMs: 15 * 60_000 };

/**
 * Before a code is checked: refused while the user is locked out, or past the attempts of
 * the window (a sliding log); else the attempt is counted. KEYS: attempts, locked.
 * ARGV: attempts allowed, window ms, member. Returns {'ok'|'locked'|'busy', wait ms}.
 */
const attemptScript = defineScript(`${luaNow}
local locked = redis.call('PTTL', KEYS[2])
if locked > 0 then return {'locked', locked} end
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {'busy', math.max(0, tonumber(oldest[2]) + window - now)}
end
redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return {'ok', 0}
`);

/**
 * After a code is checked: a valid code's time step is accepted only when later than the
 * last one accepted (replay protection), which ends the run of failures; anything else
 * adds to the run, and the run reaching its limit locks TOTP for the user.
 * KEYS: the user's hash, streak, locked. ARGV: step (-1: the code was wrong), lock after, lock ms.
 */
const resultScript = defineScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'invalid' end
local step = tonumber(ARGV[1])
if step >= 0 and step > tonumber(redis.call('HGET', KEYS[1], 'mfaLastStep') or '-1') then
  redis.call('HSET', KEYS[1], 'mfaLastStep', ARGV[1])
  redis.call('DEL', KEYS[2])
  return 'ok'
end
local streak = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], 86400000)
if streak >= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[2])
end
if step >= 0 then return 'replayed' end
return 'invalid'
`);

const AttemptReply = z.tuple([z.enum(["ok", "locked", "busy"]), z.number()]);
const ResultReply = z.enum(["ok", "replayed", "invalid"]);

const retryAfter = (ms: number) => ({ retryAfter: Math.max(1, Math.ceil(ms / 1000)) });

/** The per-user limits around TOTP checks, kept in Redis so every replica counts the same attempts. */
export function createMfaGate(redis: Redis, rules: MfaRules) {
  return {
    /** Counts an attempt, or refuses it (rate_limited) while locked or past the window's attempts. */
    async attempt(userId: string): Promise<void> {
      const [outcome, waitMs] = AttemptReply.parse(
        await attemptScript.run(
          redis,
          [layout.mfaAttempts(userId), layout.mfaLocked(userId)],
          [rules.attemptsPerWindow, rules.windowMs, nonce()],
        ),
      );
      if (outcome === "locked") {
        throw new AppError("rate_limited", "too many wrong MFA codes: MFA is locked for this user for a while", {
          details: retryAfter(waitMs),
        });
      }
      if (outcome === "busy")
        throw new AppError("rate_limited", "too many MFA attempts; try again in a minute", { details: retryAfter(waitMs) });
    },
    /** Records the outcome; true when the code is accepted (valid and its time step not used before). */
    async settle(userId: string, step: number | undefined): Promise<boolean> {
      const reply = await resultScript.run(
        redis,
        [layout.user(userId), layout.mfaStreak(userId), layout.mfaLocked(userId)],
        [step ?? -1, rules.lockAfterFailures, rules.lockMs],
      );
      return ResultReply.parse(reply) === "ok";
    },
  };
}

export type MfaGate = ReturnType<typeof createMfaGate>;
