import { defineScript, luaNow } from "@switchyard/redis";

/** Lua: a token bucket's level now: the stored level refilled at cap per minute since it was written, never past cap; full when absent. */
const luaBucket = `
local window = 60000
local function bucketLevel(bucket, cap, now)
  local state = redis.call('HMGET', bucket, 'level', 'at')
  local level, at = tonumber(state[1]), tonumber(state[2])
  if not level or not at then return cap end
  return math.min(cap, level + math.max(0, now - at) * cap / window)
end
local function saveBucket(bucket, cap, level, now)
  redis.call('HSET', bucket, 'level', string.format('%.6f', level), 'at', string.format('%d', now))
  -- Once it has refilled, an absent bucket means the same as a full one.
  redis.call('PEXPIRE', bucket, math.max(1, math.ceil((cap - level) * window / cap)))
end
`;

/**
 * Admits one request under every limit the key has, exactly however many callers race:
 * each limit decides, and the request takes from all of them or from none.
 * - requests: a sliding-window log, the admit times of the last minute (at most `limit`);
 * - tokens: a bucket of `limit` refilling at limit/60 per second, charged the estimate
 *   (refused below it; an estimate past the whole capacity can never pass: retry -1);
 * - concurrency (with a run id): run id → when its slot lapses; lapsed slots go first;
 *   a run that holds a slot already keeps it (an admit repeated after a lost reply).
 * With a batch (a lease for a gateway to hand out itself) it takes up to that many requests
 * (at least one) and tokens (at least the estimate), never more than is left.
 * KEYS: requests, tokens, runs. ARGV: requests limit, tokens limit, concurrency limit
 * (0: none), estimate, run id ('' none), hold ms, a member unique to this request,
 * requests wanted (>= 1), tokens wanted (>= estimate).
 * Returns {allowed, refused by, retry ms (-1 never), requests remaining, requests reset ms,
 * tokens remaining, tokens reset ms, requests granted, tokens granted}.
 */
export const admitScript = defineScript(`${luaNow}${luaBucket}
local requestLimit, tokenLimit, runLimit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local estimate, runId, hold = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local refusedBy, retry = '', 0
local function refuse(limit, wait)
  if refusedBy == '' then refusedBy = limit end
  if wait < 0 or retry < 0 then retry = -1 else retry = math.max(retry, wait) end
end

local count = 0
if requestLimit > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(requestLimit + 1))
  count = redis.call('ZCARD', KEYS[1])
  if count >= requestLimit then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    refuse('requests', tonumber(oldest[2]) + window - now)
  end
end

local level = 0
if tokenLimit > 0 then
  level = bucketLevel(KEYS[2], tokenLimit, now)
  if estimate > tokenLimit then
    refuse('tokens', -1)
  elseif level < estimate then
    refuse('tokens', math.ceil((estimate - level) * window / tokenLimit))
  end
end

local holding = false
if runLimit > 0 and runId ~= '' then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  holding = redis.call('ZSCORE', KEYS[3], runId)
  if not holding and redis.call('ZCARD', KEYS[3]) >= runLimit then refuse('concurrency', 1000) end
end

local allowed = refusedBy == ''
local grantedRequests, grantedTokens = 0, 0
if allowed then
  if requestLimit > 0 then
    grantedRequests = math.min(math.max(1, tonumber(ARGV[8])), requestLimit - count)
    for i = 1, grantedRequests do redis.call('ZADD', KEYS[1], now, ARGV[7] .. ':' .. i) end
    redis.call('PEXPIRE', KEYS[1], window)
    count = count + grantedRequests
  end
  if tokenLimit > 0 then
    grantedTokens = math.max(estimate, math.min(tonumber(ARGV[9]), math.floor(level)))
    level = level - grantedTokens
    saveBucket(KEYS[2], tokenLimit, level, now)
  end
  if runLimit > 0 and runId ~= '' then
    redis.call('ZADD', KEYS[3], now + hold, runId)
    if redis.call('PTTL', KEYS[3]) < hold then redis.call('PEXPIRE', KEYS[3], hold) end
  end
end

local requestReset = 0
if requestLimit > 0 and count > 0 then
  local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  requestReset = math.max(0, tonumber(newest[2]) + window - now)
end
local tokenReset = 0
if tokenLimit > 0 then tokenReset = math.max(0, math.ceil((tokenLimit - level) * window / tokenLimit)) end
return {allowed and 1 or 0, refusedBy, retry, math.max(0, requestLimit - count), requestReset, math.max(0, math.floor(level)), tokenReset,
  grantedRequests, grantedTokens}
`);

/**
 * Settles a request: frees its concurrency slot and charges (used − estimated) tokens to
 * the bucket (a refund never fills it past its capacity; an overrun may take it below
 * zero, so later requests wait). Once per run id: a repeated settle changes nothing.
 * KEYS: tokens, runs, settled marker. ARGV: tokens limit (0: none), estimated, used, run id ('' none), marker ms.
 */
export const settleScript = defineScript(`${luaNow}${luaBucket}
local tokenLimit, delta, runId = tonumber(ARGV[1]), tonumber(ARGV[3]) - tonumber(ARGV[2]), ARGV[4]
if runId ~= '' then
  if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[5]) then return 0 end
  redis.call('ZREM', KEYS[2], runId)
end
if tokenLimit > 0 and delta ~= 0 then
  saveBucket(KEYS[1], tokenLimit, math.min(tokenLimit, bucketLevel(KEYS[1], tokenLimit, now) - delta), now)
end
return 1
`);
