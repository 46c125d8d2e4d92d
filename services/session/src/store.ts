import { randomBytes } from "node:crypto";
import type { SessionInfo } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { defineScript, type Redis } from "@switchyard/redis";
import { type Tracer, withSpan } from "@switchyard/telemetry";

/** Redis keys owned by the session service. */
const keys = {
  meta: (id: string) => `sy:session:${id}:meta`,
  messages: (id: string) => `sy:session:${id}:messages`,
  byAgent: (agent: string) => `sy:session:agent:${agent}`,
};

// Appends at the end in one step, so concurrent appends never interleave; then drops the
// oldest messages until both caps hold, and refreshes the TTL; counts the turns (user
// messages, ARGV[5]) and when it was last active. Returns {length, trimmed}, or false when
// the session does not exist.
const appendScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HINCRBY', KEYS[1], 'turns', ARGV[5])
redis.call('HSET', KEYS[1], 'lastActiveAt', ARGV[4])
local added = 0
for i = 6, #ARGV do
  redis.call('RPUSH', KEYS[2], ARGV[i])
  added = added + string.len(ARGV[i])
end
local bytes = redis.call('HINCRBY', KEYS[1], 'bytes', added)
local maxMessages = tonumber(ARGV[1])
local maxBytes = tonumber(ARGV[2])
local trimmed = 0
local length = redis.call('LLEN', KEYS[2])
while length > 0 and (length > maxMessages or bytes > maxBytes) do
  local dropped = redis.call('LPOP', KEYS[2])
  bytes = redis.call('HINCRBY', KEYS[1], 'bytes', -string.len(dropped))
  length = length - 1
  trimmed = trimmed + 1
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], redis.call('HGET', KEYS[1], 'id'))
redis.call('EXPIRE', KEYS[3], ARGV[3])
return {length, trimmed}
`;

/** A session under a given id, made only when it does not exist yet. Returns 1 when made. */
const createOnceScript = defineScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'agent', ARGV[2], 'createdAt', ARGV[3], 'bytes', 0)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
`);

export interface SessionLimits {
  ttlSeconds: number;
  maxMessages: number;
  maxBytes: number;
}

export interface SessionStore {
  /** A new session, or with `id` that session: opened when the agent has it, made otherwise. */
  create(agent: string, id?: string): Promise<SessionInfo>;
  get(id: string, agent?: string): Promise<{ info: SessionInfo; messages: string[] }>;
  /** Appends at the end; `userTurns` of them are the user's (the session's turn count). */
  append(id: string, messages: string[], userTurns?: number): Promise<{ length: number; trimmed: number }>;
  list(agent: string, limit: number, offset: number): Promise<{ items: SessionInfo[]; total: number }>;
  remove(id: string, agent?: string): Promise<void>;
  /** Sessions active within the TTL, per agent, for up to `maxAgents` agents (a scan of the agents' indexes). */
  activeByAgent(maxAgents: number): Promise<Map<string, number>>;
}

export function createSessionStore(redis: Redis, tracer: Tracer, limits: SessionLimits): SessionStore {
  const span = <T>(operation: string, work: () => Promise<T>) =>
    withSpan(tracer, `redis session.${operation}`, { "db.system": "redis", "db.operation": operation }, work);
  const notFound = (id: string) => new AppError("not_found", `session '${id}' does not exist or has expired`);

  async function info(id: string, agent?: string): Promise<SessionInfo> {
    const [meta, count] = await Promise.all([redis.hgetall(keys.meta(id)), redis.llen(keys.messages(id))]);
    if (!meta.agent || !meta.createdAt || (agent !== undefined && meta.agent !== agent)) throw notFound(id);
    return {
      id,
      agent: meta.agent,
      createdAt: meta.createdAt,
      messageCount: count,
      turns: Number(meta.turns ?? 0),
      lastActiveAt: meta.lastActiveAt ? new Date(Number(meta.lastActiveAt)).toISOString() : meta.createdAt,
    };
  }

  return {
    create: (agent, given) =>
      span("create", async () => {
        const id = given ?? randomBytes(12).toString("base64url");
        const createdAt = new Date().toISOString();
        if (given !== undefined) {
          // Made once, whoever asks first, in one step; a session of another agent under this id is not this agent's.
          const made = await createOnceScript.run(
            redis,
            [keys.meta(id), keys.byAgent(agent)],
            [id, agent, createdAt, limits.ttlSeconds, Date.now()],
          );
          if (made === 0) return info(id, agent);
          return { id, agent, createdAt, messageCount: 0, turns: 0, lastActiveAt: createdAt };
        }
        await redis
          .multi()
          .hset(keys.meta(id), { id, agent, createdAt, bytes: 0 })
          .expire(keys.meta(id), limits.ttlSeconds)
          .zadd(keys.byAgent(agent), Date.now(), id)
          .expire(keys.byAgent(agent), limits.ttlSeconds)
          .exec();
        return { id, agent, createdAt, messageCount: 0, turns: 0, lastActiveAt: createdAt };
      }),
    get: (id, agent) =>
      span("get", async () => {
        const session = await info(id, agent);
        return { info: session, messages: await redis.lrange(keys.messages(id), 0, -1) };
      }),
    append: (id, messages, userTurns = 0) =>
      span("append", async () => {
        const agent = await redis.hget(keys.meta(id), "agent");
        if (!agent) throw notFound(id);
        const result = await redis.eval(
          appendScript,
          3,
          keys.meta(id),
          keys.messages(id),
          keys.byAgent(agent),
          String(limits.maxMessages),
          String(limits.maxBytes),
          String(limits.ttlSeconds),
          String(Date.now()),
          String(userTurns),
          ...messages,
        );
        if (!Array.isArray(result)) throw notFound(id);
        return { length: Number(result[0]), trimmed: Number(result[1]) };
      }),
    list: (agent, limit, offset) =>
      span("list", async () => {
        // Expired sessions leave their id in the agent's index; drop those as they are found.
        const ids = await redis.zrange(keys.byAgent(agent), 0, -1);
        const live: SessionInfo[] = [];
        for (const id of ids) {
          try {
            live.push(await info(id, agent));
          } catch {
            await redis.zrem(keys.byAgent(agent), id);
          }
        }
        return { items: live.slice(offset, offset + limit), total: live.length };
      }),
    remove: (id, agent) =>
      span("remove", async () => {
        const session = await info(id, agent);
        await redis.multi().del(keys.meta(id), keys.messages(id)).zrem(keys.byAgent(session.agent), id).exec();
      }),
    activeByAgent: (maxAgents) =>
      span("active", async () => {
        const prefix = keys.byAgent("");
        const indexes: string[] = [];
        let cursor = "0";
        do {
          const [next, found] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
          cursor = next;
          indexes.push(...found);
        } while (cursor !== "0" && indexes.length < maxAgents);
        const chosen = indexes.slice(0, maxAgents);
        // An index keeps expired ids until a list drops them; its score is the session's last activity.
        const since = Date.now() - limits.ttlSeconds * 1000;
        const pipeline = redis.pipeline();
        for (const index of chosen) pipeline.zcount(index, since, "+inf");
        const counts = (await pipeline.exec()) ?? [];
        const active = new Map<string, number>();
        for (const [position, index] of chosen.entries()) {
          const count = counts[position]?.[1];
          if (typeof count === "number") active.set(index.slice(prefix.length), count);
        }
        return active;
      }),
  };
}
