import { ChatMessage, DefinitionName, endpoints, parseJson, SessionId } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { createGrpcServer, serveSessions } from "@switchyard/grpc";
import { type Bus, serve } from "@switchyard/nats";
import { createStoreHealth, type Redis, type StoreHealth } from "@switchyard/redis";
import { Gauge, type Logger, type Registry, type Tracer } from "@switchyard/telemetry";
import type { SessionConfig } from "./config.ts";
import { createSessionStore, type SessionLimits } from "./store.ts";

export interface SessionServiceDeps {
  config: SessionConfig;
  bus: Bus;
  redis: Redis;
  logger: Logger;
  tracer: Tracer;
  /** The service's Prometheus registry (absent: nothing is counted). */
  metrics?: Registry;
  instance: string;
}

/** Agents whose active sessions are counted at each scrape (the label is bounded too). */
const maxAgentsCounted = 1000;

const corrupt = (detail: string) => new AppError("internal", `a stored message is unreadable: ${detail}`);

/** Conversations: gRPC for executors (read, append), NATS for the gateway (create, read, list, delete). */
export function createSessionService(deps: SessionServiceDeps) {
  const { bus, logger, tracer, config } = deps;
  const limits: SessionLimits = {
    ttlSeconds: config.SESSION_TTL_SECONDS,
    maxMessages: config.SESSION_MAX_MESSAGES,
    maxBytes: config.SESSION_MAX_BYTES,
  };
  const store = createSessionStore(deps.redis, tracer, limits);
  if (deps.metrics) {
    new Gauge({
      name: "agentspec_sessions_active",
      help: "AgentSpec: sessions active within the TTL, per agent (counted from Redis at each scrape).",
      labelNames: ["agent"],
      registers: [deps.metrics],
      async collect() {
        const active = await store.activeByAgent(maxAgentsCounted).catch(() => undefined);
        if (!active) return;
        this.reset();
        for (const [agent, count] of active) this.set({ agent }, count);
      },
    });
  }
  const read = async (id: string, agent: string | undefined) => {
    const { info, messages } = await store.get(id, agent);
    return { info, messages: messages.map((json) => parseJson(ChatMessage, json, corrupt)) };
  };
  const grpc = createGrpcServer();
  serveSessions(
    grpc,
    {
      create: (agent, _call, id) => store.create(DefinitionName.parse(agent), id === undefined ? undefined : SessionId.parse(id)),
      get: read,
      async append(id, messages) {
        const { length, trimmed } = await store.append(
          id,
          messages.map((message) => JSON.stringify(message)),
          messages.filter((message) => message.role === "user").length,
        );
        if (trimmed > 0) logger.info({ session: id, trimmed }, "session trimmed to its caps");
        return { messageCount: length, trimmed };
      },
      list: (agent, limit, offset) => store.list(agent, limit, offset),
      remove: (id, agent) => store.remove(id, agent),
    },
    { logger, tracer },
  );
  const subscriptions: { unsubscribe(): void }[] = [];
  let health: StoreHealth | undefined;

  return {
    async start(): Promise<{ grpcPort: number }> {
      health = await createStoreHealth(deps.redis, "session", logger);
      const options = { logger, tracer };
      subscriptions.push(
        serve(bus, endpoints.sessionCreate, ({ agent }) => store.create(agent), options),
        serve(
          bus,
          endpoints.sessionGet,
          async ({ id, agent }) => {
            const { info, messages } = await read(id, agent);
            return { ...info, messages };
          },
          options,
        ),
        serve(bus, endpoints.sessionList, ({ agent, limit, offset }) => store.list(agent, limit, offset), options),
        serve(
          bus,
          endpoints.sessionDelete,
          async ({ id, agent }) => {
            await store.remove(id, agent);
            return {};
          },
          options,
        ),
        serve(
          bus,
          endpoints.sessionPing,
          async () => ({ service: "session", instance: deps.instance, checks: { redis: (await health?.check()) ?? "starting" } }),
          options,
        ),
      );
      return { grpcPort: await grpc.listen(config.SESSION_GRPC_ADDRESS) };
    },
    async stop(): Promise<void> {
      for (const subscription of subscriptions) subscription.unsubscribe();
      await grpc.stop();
    },
  };
}
