import {
  ChatMessage,
  queueGroups,
  SessionCreateRequest,
  type SessionHistory,
  type SessionInfo,
  SessionListRequest,
  SessionRef,
  type Subjects,
} from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { createGrpcServer, type SessionsHandlers, sessionProto, unary } from "@switchyard/grpc";
import { EmptyReply, type NatsConnection, serveRequests } from "@switchyard/nats";
import type { Redis } from "@switchyard/redis";
import type { Logger, Tracer } from "@switchyard/telemetry";
import { createSessionStore, type SessionLimits } from "./store.ts";

export interface SessionServiceDeps {
  nats: NatsConnection;
  redis: Redis;
  subjects: Subjects;
  logger: Logger;
  tracer: Tracer;
  grpcAddress: string;
  instance: string;
  limits: SessionLimits;
}

function toProto(info: SessionInfo) {
  return { id: info.id, agent: info.agent, createdAt: info.createdAt, messageCount: info.messageCount };
}

/** Parses stored or sent message JSON: every boundary parses. */
function parseMessage(json: string): ChatMessage {
  try {
    return ChatMessage.parse(JSON.parse(json));
  } catch {
    throw new AppError("invalid_request", "a message is not a valid chat message");
  }
}

export function createSessionService(deps: SessionServiceDeps) {
  const { nats, subjects, logger, tracer } = deps;
  const store = createSessionStore(deps.redis, tracer, deps.limits);
  const grpc = createGrpcServer();
  const options = { logger, tracer };
  const handlers: SessionsHandlers = {
    Create: unary("Create", options, async (request) => toProto(await store.create(SessionCreateRequest.parse(request).agent))),
    Get: unary("Get", options, async (request) => {
      const { info, messages } = await store.get(request.id ?? "", request.agent || undefined);
      return { session: toProto(info), messagesJson: messages };
    }),
    Append: unary("Append", options, async (request) => {
      const messages = (request.messagesJson ?? []).map((json) => JSON.stringify(parseMessage(json)));
      const { length, trimmed } = await store.append(request.id ?? "", messages);
      if (trimmed > 0) logger.info({ session: request.id, trimmed }, "session trimmed to its caps");
      return { messageCount: length, trimmed };
    }),
    List: unary("List", options, async (request) => {
      const page = await store.list(request.agent ?? "", Math.min(request.limit || 100, 1000), request.offset ?? 0);
      return { items: page.items.map(toProto), total: page.total };
    }),
    Delete: unary("Delete", options, async (request) => {
      await store.remove(request.id ?? "", request.agent || undefined);
      return {};
    }),
  };
  grpc.addService("switchyard.session.v1.Sessions", sessionProto().Sessions.service, handlers);
  const subscriptions: { unsubscribe(): void }[] = [];

  return {
    async start(): Promise<{ grpcPort: number }> {
      const common = { queue: queueGroups.session, logger, tracer };
      subscriptions.push(
        serveRequests(nats, {
          ...common,
          subject: subjects.request("sessionCreate"),
          schema: SessionCreateRequest,
          handler: ({ agent }) => store.create(agent),
        }),
        serveRequests(nats, {
          ...common,
          subject: subjects.request("sessionGet"),
          schema: SessionRef,
          handler: async ({ id, agent }): Promise<SessionHistory> => {
            const { info, messages } = await store.get(id, agent);
            return { ...info, messages: messages.map(parseMessage) };
          },
        }),
        serveRequests(nats, {
          ...common,
          subject: subjects.request("sessionList"),
          schema: SessionListRequest,
          handler: ({ agent, limit, offset }) => store.list(agent, limit, offset),
        }),
        serveRequests(nats, {
          ...common,
          subject: subjects.request("sessionDelete"),
          schema: SessionRef,
          handler: async ({ id, agent }) => {
            await store.remove(id, agent);
            return {};
          },
        }),
        serveRequests(nats, {
          ...common,
          subject: subjects.request("sessionPing"),
          schema: EmptyReply,
          handler: async () => ({ service: "session", instance: deps.instance }),
        }),
      );
      return { grpcPort: await grpc.listen(deps.grpcAddress) };
    },
    async stop(): Promise<void> {
      for (const subscription of subscriptions) subscription.unsubscribe();
      await grpc.stop();
    },
  };
}
