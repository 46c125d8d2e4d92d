import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AppendRequest as _switchyard_session_v1_AppendRequest, AppendRequest__Output as _switchyard_session_v1_AppendRequest__Output } from './switchyard/session/v1/AppendRequest.ts';
import type { AppendResponse as _switchyard_session_v1_AppendResponse, AppendResponse__Output as _switchyard_session_v1_AppendResponse__Output } from './switchyard/session/v1/AppendResponse.ts';
import type { CreateSessionRequest as _switchyard_session_v1_CreateSessionRequest, CreateSessionRequest__Output as _switchyard_session_v1_CreateSessionRequest__Output } from './switchyard/session/v1/CreateSessionRequest.ts';
import type { DeleteSessionRequest as _switchyard_session_v1_DeleteSessionRequest, DeleteSessionRequest__Output as _switchyard_session_v1_DeleteSessionRequest__Output } from './switchyard/session/v1/DeleteSessionRequest.ts';
import type { DeleteSessionResponse as _switchyard_session_v1_DeleteSessionResponse, DeleteSessionResponse__Output as _switchyard_session_v1_DeleteSessionResponse__Output } from './switchyard/session/v1/DeleteSessionResponse.ts';
import type { GetSessionRequest as _switchyard_session_v1_GetSessionRequest, GetSessionRequest__Output as _switchyard_session_v1_GetSessionRequest__Output } from './switchyard/session/v1/GetSessionRequest.ts';
import type { ListSessionsRequest as _switchyard_session_v1_ListSessionsRequest, ListSessionsRequest__Output as _switchyard_session_v1_ListSessionsRequest__Output } from './switchyard/session/v1/ListSessionsRequest.ts';
import type { ListSessionsResponse as _switchyard_session_v1_ListSessionsResponse, ListSessionsResponse__Output as _switchyard_session_v1_ListSessionsResponse__Output } from './switchyard/session/v1/ListSessionsResponse.ts';
import type { Session as _switchyard_session_v1_Session, Session__Output as _switchyard_session_v1_Session__Output } from './switchyard/session/v1/Session.ts';
import type { SessionHistory as _switchyard_session_v1_SessionHistory, SessionHistory__Output as _switchyard_session_v1_SessionHistory__Output } from './switchyard/session/v1/SessionHistory.ts';
import type { SessionsClient as _switchyard_session_v1_SessionsClient, SessionsDefinition as _switchyard_session_v1_SessionsDefinition } from './switchyard/session/v1/Sessions.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  switchyard: {
    session: {
      v1: {
        AppendRequest: MessageTypeDefinition<_switchyard_session_v1_AppendRequest, _switchyard_session_v1_AppendRequest__Output>
        AppendResponse: MessageTypeDefinition<_switchyard_session_v1_AppendResponse, _switchyard_session_v1_AppendResponse__Output>
        CreateSessionRequest: MessageTypeDefinition<_switchyard_session_v1_CreateSessionRequest, _switchyard_session_v1_CreateSessionRequest__Output>
        DeleteSessionRequest: MessageTypeDefinition<_switchyard_session_v1_DeleteSessionRequest, _switchyard_session_v1_DeleteSessionRequest__Output>
        DeleteSessionResponse: MessageTypeDefinition<_switchyard_session_v1_DeleteSessionResponse, _switchyard_session_v1_DeleteSessionResponse__Output>
        GetSessionRequest: MessageTypeDefinition<_switchyard_session_v1_GetSessionRequest, _switchyard_session_v1_GetSessionRequest__Output>
        ListSessionsRequest: MessageTypeDefinition<_switchyard_session_v1_ListSessionsRequest, _switchyard_session_v1_ListSessionsRequest__Output>
        ListSessionsResponse: MessageTypeDefinition<_switchyard_session_v1_ListSessionsResponse, _switchyard_session_v1_ListSessionsResponse__Output>
        Session: MessageTypeDefinition<_switchyard_session_v1_Session, _switchyard_session_v1_Session__Output>
        SessionHistory: MessageTypeDefinition<_switchyard_session_v1_SessionHistory, _switchyard_session_v1_SessionHistory__Output>
        Sessions: SubtypeConstructor<typeof grpc.Client, _switchyard_session_v1_SessionsClient> & { service: _switchyard_session_v1_SessionsDefinition }
      }
    }
  }
}

