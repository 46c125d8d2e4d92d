import { ChatMessage, parseJson, type SessionInfo } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { type CallUnaryOptions, callUnary, createGrpcClient } from "./client.ts";
import type { AppendRequest } from "./generated/switchyard/session/v1/AppendRequest.ts";
import type { AppendResponse__Output } from "./generated/switchyard/session/v1/AppendResponse.ts";
import type { CreateSessionRequest } from "./generated/switchyard/session/v1/CreateSessionRequest.ts";
import type { GetSessionRequest } from "./generated/switchyard/session/v1/GetSessionRequest.ts";
import type { Session__Output } from "./generated/switchyard/session/v1/Session.ts";
import type { SessionHistory__Output } from "./generated/switchyard/session/v1/SessionHistory.ts";
import type { SessionsHandlers } from "./generated/switchyard/session/v1/Sessions.ts";
import { sessionProto } from "./protos.ts";
import { type CallContext, type GrpcServer, type GrpcServerOptions, unary } from "./server.ts";

export interface StoredSession {
  info: SessionInfo;
  messages: ChatMessage[];
}

/** The session service's gRPC API as promises (the calls executors make), each with a deadline; messages parsed. */
export interface SessionGrpcClient {
  /** A new session, or with `id` that one: opened when the agent has it, made otherwise. */
  create(agent: string, options: CallUnaryOptions, id?: string): Promise<SessionInfo>;
  /** The session with its messages; `not_found` when it does not exist, expired, or belongs to another agent. */
  get(id: string, agent: string, options: CallUnaryOptions): Promise<StoredSession>;
  append(id: string, messages: ChatMessage[], options: CallUnaryOptions): Promise<{ messageCount: number; trimmed: number }>;
  close(): void;
}

const toInfo = (session: Session__Output | null): SessionInfo => ({
  id: session?.id ?? "",
  agent: session?.agent ?? "",
  createdAt: session?.createdAt ?? "",
  messageCount: session?.messageCount ?? 0,
});

export function createSessionClient(address: string): SessionGrpcClient {
  const client = createGrpcClient(sessionProto().Sessions, address);
  const malformed = (detail: string) => new AppError("internal", `the session service sent a malformed message: ${detail}`);
  return {
    create: async (agent, options, id) =>
      toInfo(await callUnary<CreateSessionRequest, Session__Output>(client, client.Create, { agent, ...(id ? { id } : {}) }, options)),
    get: async (id, agent, options) => {
      const history = await callUnary<GetSessionRequest, SessionHistory__Output>(client, client.Get, { id, agent }, options);
      return { info: toInfo(history.session), messages: history.messagesJson.map((json) => parseJson(ChatMessage, json, malformed)) };
    },
    append: async (id, messages, options) => {
      const request = { id, messagesJson: messages.map((message) => JSON.stringify(message)) };
      return callUnary<AppendRequest, AppendResponse__Output>(client, client.Append, request, options);
    },
    close: () => client.close(),
  };
}

/** What the session service implements; messages arrive parsed and checked, and are encoded here. */
export interface SessionImplementation {
  create(agent: string, call: CallContext, id?: string): Promise<SessionInfo>;
  get(id: string, agent: string | undefined, call: CallContext): Promise<StoredSession>;
  append(id: string, messages: ChatMessage[], call: CallContext): Promise<{ messageCount: number; trimmed: number }>;
  list(agent: string, limit: number, offset: number, call: CallContext): Promise<{ items: SessionInfo[]; total: number }>;
  remove(id: string, agent: string | undefined, call: CallContext): Promise<void>;
}

const badMessage = (detail: string) => new AppError("invalid_request", `a message is not a valid chat message: ${detail}`);

export function serveSessions(server: GrpcServer, implementation: SessionImplementation, options: GrpcServerOptions): void {
  const handlers: SessionsHandlers = {
    Create: unary("Create", options, (request, call) => implementation.create(request.agent, call, request.id || undefined)),
    Get: unary("Get", options, async (request, call) => {
      const { info, messages } = await implementation.get(request.id, request.agent || undefined, call);
      return { session: info, messagesJson: messages.map((message) => JSON.stringify(message)) };
    }),
    Append: unary("Append", options, (request, call) =>
      implementation.append(
        request.id,
        request.messagesJson.map((json) => parseJson(ChatMessage, json, badMessage)),
        call,
      ),
    ),
    List: unary("List", options, (request, call) =>
      implementation.list(request.agent, Math.min(request.limit || 100, 1000), request.offset, call),
    ),
    Delete: unary("Delete", options, async (request, call) => {
      await implementation.remove(request.id, request.agent || undefined, call);
      return {};
    }),
  };
  server.addService("switchyard.session.v1.Sessions", sessionProto().Sessions.service, handlers);
}
