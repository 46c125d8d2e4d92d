import { defineScript } from "@switchyard/redis";

/*
 * The executions' record, `sy:executions:*`, written only by executors. Every transition is
 * one script that checks the current status first (compare-and-set), so a redelivered job
 * can never write a second result or move a finished execution back.
 *
 * KEYS of the record scripts: [1] the record hash, [2] the all index, [3] the owner's index,
 * [4] the definition's index, [5] the index prefix for statuses (`…:status:`), [6] finished,
 * [7] the definition's running slots (for its concurrency limit; released by every way out of running).
 */

/** Lua that moves the record (KEYS[1]) from its status index to `to`'s. Expects `id` and `from`. */
const moveStatus = `
local function move(id, from, to, score)
  redis.call('ZREM', KEYS[5] .. from, id)
  redis.call('ZADD', KEYS[5] .. to, score, id)
  redis.call('HSET', KEYS[1], 'status', to)
end
local final = { succeeded = true, failed = true, cancelled = true, dead_lettered = true }
`;

/** Lua that creates the record as queued from ARGV[3..] (field, value pairs) when it does not exist. */
const createIfAbsent = `
local function create(id, createdAt, from)
  if redis.call('EXISTS', KEYS[1]) == 1 then return false end
  for i = from, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
  redis.call('HSET', KEYS[1], 'status', 'queued', 'attempts', 0, 'deliveries', 0)
  redis.call('ZADD', KEYS[2], createdAt, id)
  redis.call('ZADD', KEYS[3], createdAt, id)
  redis.call('ZADD', KEYS[4], createdAt, id)
  redis.call('ZADD', KEYS[5] .. 'queued', createdAt, id)
  return true
end
`;

/**
 * Reserves an idempotency key (KEYS[1]) for ARGV[1] (the new id) with the body's hash
 * ARGV[2] for ARGV[3] ms. Returns {id, hash, created}: the reserved id and hash when the key
 * was already taken (created 0), else the new ones (created 1).
 */
export const reserveScript = defineScript(`
local held = redis.call('GET', KEYS[1])
if held then
  local bar = string.find(held, '|', 1, true)
  return { string.sub(held, 1, bar - 1), string.sub(held, bar + 1), 0 }
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
return { ARGV[1], ARGV[2], 1 }
`);

/** Creates the record (queued). ARGV: [1] id, [2] createdAt ms, then field/value pairs. Returns 1 when created. */
export const createScript = defineScript(`
${createIfAbsent}
if create(ARGV[1], tonumber(ARGV[2]), 3) then return 1 end
return 0
`);

/**
 * A delivery of the job. ARGV: [1] id, [2] createdAt, [3] now, [4] executor, [5] stream
 * sequence of this message, [6] runs allowed (`EXECUTIONS_MAX_ATTEMPTS`), [7] the error
 * recorded when they are spent, [8] the definition's concurrency limit (0: none), [9] the
 * slot's lease end (ms), then the job's field/value pairs (to rebuild a lost record). KEYS[7]
 * holds the definition's running slots (id → lease end).
 * Returns {verdict, status, attempts}: `run` (now running, attempt n), `final` (already
 * finished: acknowledge, nothing runs), `busy` (running from another copy of the job),
 * `wait` (the definition is at its limit: try later, this delivery ran nothing), `dead`.
 */
export const startScript = defineScript(`
${moveStatus}
${createIfAbsent}
create(ARGV[1], tonumber(ARGV[2]), 10)
local status = redis.call('HGET', KEYS[1], 'status')
redis.call('HINCRBY', KEYS[1], 'deliveries', 1)
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts'))
if final[status] then return { 'final', status, attempts } end
if status == 'running' and redis.call('HGET', KEYS[1], 'seq') ~= ARGV[5] then
  return { 'busy', status, attempts }
end
local now = tonumber(ARGV[3])
if attempts >= tonumber(ARGV[6]) then
  move(ARGV[1], status, 'dead_lettered', tonumber(ARGV[2]))
  redis.call('HSET', KEYS[1], 'finishedAt', now, 'error', ARGV[7])
  redis.call('ZADD', KEYS[6], now, ARGV[1])
  redis.call('ZREM', KEYS[7], ARGV[1])
  return { 'dead', 'dead_lettered', attempts }
end
local limit = tonumber(ARGV[8])
if limit > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', now)
  if not redis.call('ZSCORE', KEYS[7], ARGV[1]) and redis.call('ZCARD', KEYS[7]) >= limit then
    return { 'wait', status, attempts }
  end
  redis.call('ZADD', KEYS[7], ARGV[9], ARGV[1])
end
attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
move(ARGV[1], status, 'running', tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], 'startedAt', now, 'executor', ARGV[4], 'seq', ARGV[5])
return { 'run', 'running', attempts }
`);

/** Extends a running execution's slot lease. KEYS[1] the slots; ARGV: [1] id, [2] lease end. */
export const touchScript = defineScript(`
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1]) end
return 1
`);

/**
 * Ends a running execution. ARGV: [1] id, [2] createdAt, [3] now, [4] status, then
 * field/value pairs (result or error, usage). Returns the status before: the caller's
 * result was recorded only when that is `running`.
 */
export const finishScript = defineScript(`
${moveStatus}
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'running' and not (status == 'queued' and ARGV[4] == 'failed') then return status or false end
local now = tonumber(ARGV[3])
move(ARGV[1], status, ARGV[4], tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], 'finishedAt', now)
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('ZADD', KEYS[6], now, ARGV[1])
redis.call('ZREM', KEYS[7], ARGV[1])
return status
`);

/**
 * Back to queued after a retryable failure (the job was nak'ed with a delay). ARGV: [1] id,
 * [2] createdAt, [3] the error. Only a running execution moves.
 */
export const requeueScript = defineScript(`
${moveStatus}
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'running' then return status or false end
move(ARGV[1], status, 'queued', tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], 'error', ARGV[3])
redis.call('ZREM', KEYS[7], ARGV[1])
return status
`);

/**
 * Cancels a queued or running execution at once. ARGV: [1] id, [2] owner ('' for anyone),
 * [3] now, [4] the error. Returns the status before (a final one is left as it is), or
 * false when there is no such execution for that owner.
 */
export const cancelScript = defineScript(`
${moveStatus}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
if ARGV[2] ~= '' and redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] then return false end
if final[status] then return status end
local now = tonumber(ARGV[3])
move(ARGV[1], status, 'cancelled', tonumber(redis.call('HGET', KEYS[1], 'createdAt')))
redis.call('HSET', KEYS[1], 'finishedAt', now, 'error', ARGV[4])
redis.call('ZADD', KEYS[6], now, ARGV[1])
redis.call('ZREM', KEYS[7], ARGV[1])
return status
`);

/**
 * A page of ids, newest first, from the intersection of the index keys KEYS[2..] (KEYS[1] is
 * a scratch key). ARGV: [1] offset, [2] limit. Returns {total, ids…}.
 */
export const pageScript = defineScript(`
local source = KEYS[2]
if #KEYS > 2 then
  local weights = { 'WEIGHTS', 1 }
  for i = 3, #KEYS do weights[#weights + 1] = 0 end
  local args = { KEYS[1], #KEYS - 1 }
  for i = 2, #KEYS do args[#args + 1] = KEYS[i] end
  for _, w in ipairs(weights) do args[#args + 1] = w end
  redis.call('ZINTERSTORE', unpack(args))
  source = KEYS[1]
end
local total = redis.call('ZCARD', source)
local offset = tonumber(ARGV[1])
local ids = redis.call('ZREVRANGE', source, offset, offset + tonumber(ARGV[2]) - 1)
if #KEYS > 2 then redis.call('DEL', KEYS[1]) end
local out = { total }
for _, id in ipairs(ids) do out[#out + 1] = id end
return out
`);

/**
 * Forgets finished executions older than the retention, or past the count cap, a batch at
 * a time. KEYS[1] finished, KEYS[2] the key prefix (`sy:executions:`). ARGV: [1] cutoff ms,
 * [2] most finished kept, [3] batch. Returns the ids removed (their events go too).
 */
export const sweepScript = defineScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local excess = redis.call('ZCARD', KEYS[1]) - #ids - tonumber(ARGV[2])
if excess > 0 then
  local more = redis.call('ZRANGE', KEYS[1], #ids, #ids + math.min(excess, tonumber(ARGV[3])) - 1)
  for _, id in ipairs(more) do ids[#ids + 1] = id end
end
for _, id in ipairs(ids) do
  local record = KEYS[2] .. 'x:' .. id
  local fields = redis.call('HMGET', record, 'owner', 'kind', 'name', 'status')
  if fields[1] then
    redis.call('ZREM', KEYS[2] .. 'index:owner:' .. fields[1], id)
    redis.call('ZREM', KEYS[2] .. 'index:def:' .. fields[3], id)
    redis.call('ZREM', KEYS[2] .. 'index:status:' .. fields[4], id)
  end
  redis.call('ZREM', KEYS[2] .. 'index:all', id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('DEL', record)
end
return ids
`);
