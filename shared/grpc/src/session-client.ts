import { type CallUnaryOptions, callUnary, createGrpcClient } from "./client.ts";
import type { AppendRequest } from "./generated/switchyard/session/v1/AppendRequest.ts";
import type { AppendResponse__Output } from "./generated/switchyard/session/v1/AppendResponse.ts";
import type { CreateSessionRequest } from "./generated/switchyard/session/v1/CreateSessionRequest.ts";
import type { GetSessionRequest } from "./generated/switchyard/session/v1/GetSessionRequest.ts";
import type { Session__Output } from "./generated/switchyard/session/v1/Session.ts";
import type { SessionHistory__Output } from "./generated/switchyard/session/v1/SessionHistory.ts";
import { sessionProto } from "./protos.ts";

/** The session service's gRPC API as promises (the calls executors make), each with a deadline. */
export interface SessionGrpcClient {
  create(request: CreateSessionRequest, options: CallUnaryOptions): Promise<Session__Output>;
  get(request: GetSessionRequest, options: CallUnaryOptions): Promise<SessionHistory__Output>;
  append(request: AppendRequest, options: CallUnaryOptions): Promise<AppendResponse__Output>;
  close(): void;
}

export function createSessionClient(address: string): SessionGrpcClient {
  const client = createGrpcClient(sessionProto().Sessions, address);
  return {
    create: (request, options) => callUnary<CreateSessionRequest, Session__Output>(client, client.Create, request, options),
    get: (request, options) => callUnary<GetSessionRequest, SessionHistory__Output>(client, client.Get, request, options),
    append: (request, options) => callUnary<AppendRequest, AppendResponse__Output>(client, client.Append, request, options),
    close: () => client.close(),
  };
}
