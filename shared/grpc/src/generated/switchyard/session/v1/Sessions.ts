// Original file: protos/session.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AppendRequest as _switchyard_session_v1_AppendRequest, AppendRequest__Output as _switchyard_session_v1_AppendRequest__Output } from '../../../switchyard/session/v1/AppendRequest.ts';
import type { AppendResponse as _switchyard_session_v1_AppendResponse, AppendResponse__Output as _switchyard_session_v1_AppendResponse__Output } from '../../../switchyard/session/v1/AppendResponse.ts';
import type { CreateSessionRequest as _switchyard_session_v1_CreateSessionRequest, CreateSessionRequest__Output as _switchyard_session_v1_CreateSessionRequest__Output } from '../../../switchyard/session/v1/CreateSessionRequest.ts';
import type { DeleteSessionRequest as _switchyard_session_v1_DeleteSessionRequest, DeleteSessionRequest__Output as _switchyard_session_v1_DeleteSessionRequest__Output } from '../../../switchyard/session/v1/DeleteSessionRequest.ts';
import type { DeleteSessionResponse as _switchyard_session_v1_DeleteSessionResponse, DeleteSessionResponse__Output as _switchyard_session_v1_DeleteSessionResponse__Output } from '../../../switchyard/session/v1/DeleteSessionResponse.ts';
import type { GetSessionRequest as _switchyard_session_v1_GetSessionRequest, GetSessionRequest__Output as _switchyard_session_v1_GetSessionRequest__Output } from '../../../switchyard/session/v1/GetSessionRequest.ts';
import type { ListSessionsRequest as _switchyard_session_v1_ListSessionsRequest, ListSessionsRequest__Output as _switchyard_session_v1_ListSessionsRequest__Output } from '../../../switchyard/session/v1/ListSessionsRequest.ts';
import type { ListSessionsResponse as _switchyard_session_v1_ListSessionsResponse, ListSessionsResponse__Output as _switchyard_session_v1_ListSessionsResponse__Output } from '../../../switchyard/session/v1/ListSessionsResponse.ts';
import type { Session as _switchyard_session_v1_Session, Session__Output as _switchyard_session_v1_Session__Output } from '../../../switchyard/session/v1/Session.ts';
import type { SessionHistory as _switchyard_session_v1_SessionHistory, SessionHistory__Output as _switchyard_session_v1_SessionHistory__Output } from '../../../switchyard/session/v1/SessionHistory.ts';

export interface SessionsClient extends grpc.Client {
  Append(argument: _switchyard_session_v1_AppendRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_AppendResponse__Output>): grpc.ClientUnaryCall;
  Append(argument: _switchyard_session_v1_AppendRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_session_v1_AppendResponse__Output>): grpc.ClientUnaryCall;
  Append(argument: _switchyard_session_v1_AppendRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_AppendResponse__Output>): grpc.ClientUnaryCall;
  Append(argument: _switchyard_session_v1_AppendRequest, callback: grpc.requestCallback<_switchyard_session_v1_AppendResponse__Output>): grpc.ClientUnaryCall;
  append(argument: _switchyard_session_v1_AppendRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_AppendResponse__Output>): grpc.ClientUnaryCall;
  append(argument: _switchyard_session_v1_AppendRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_session_v1_AppendResponse__Output>): grpc.ClientUnaryCall;
  append(argument: _switchyard_session_v1_AppendRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_AppendResponse__Output>): grpc.ClientUnaryCall;
  append(argument: _switchyard_session_v1_AppendRequest, callback: grpc.requestCallback<_switchyard_session_v1_AppendResponse__Output>): grpc.ClientUnaryCall;
  
  Create(argument: _switchyard_session_v1_CreateSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_Session__Output>): grpc.ClientUnaryCall;
  Create(argument: _switchyard_session_v1_CreateSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_session_v1_Session__Output>): grpc.ClientUnaryCall;
  Create(argument: _switchyard_session_v1_CreateSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_Session__Output>): grpc.ClientUnaryCall;
  Create(argument: _switchyard_session_v1_CreateSessionRequest, callback: grpc.requestCallback<_switchyard_session_v1_Session__Output>): grpc.ClientUnaryCall;
  create(argument: _switchyard_session_v1_CreateSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_Session__Output>): grpc.ClientUnaryCall;
  create(argument: _switchyard_session_v1_CreateSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_session_v1_Session__Output>): grpc.ClientUnaryCall;
  create(argument: _switchyard_session_v1_CreateSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_Session__Output>): grpc.ClientUnaryCall;
  create(argument: _switchyard_session_v1_CreateSessionRequest, callback: grpc.requestCallback<_switchyard_session_v1_Session__Output>): grpc.ClientUnaryCall;
  
  Delete(argument: _switchyard_session_v1_DeleteSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _switchyard_session_v1_DeleteSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_session_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _switchyard_session_v1_DeleteSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _switchyard_session_v1_DeleteSessionRequest, callback: grpc.requestCallback<_switchyard_session_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _switchyard_session_v1_DeleteSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _switchyard_session_v1_DeleteSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_session_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _switchyard_session_v1_DeleteSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _switchyard_session_v1_DeleteSessionRequest, callback: grpc.requestCallback<_switchyard_session_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  
  Get(argument: _switchyard_session_v1_GetSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_SessionHistory__Output>): grpc.ClientUnaryCall;
  Get(argument: _switchyard_session_v1_GetSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_session_v1_SessionHistory__Output>): grpc.ClientUnaryCall;
  Get(argument: _switchyard_session_v1_GetSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_SessionHistory__Output>): grpc.ClientUnaryCall;
  Get(argument: _switchyard_session_v1_GetSessionRequest, callback: grpc.requestCallback<_switchyard_session_v1_SessionHistory__Output>): grpc.ClientUnaryCall;
  get(argument: _switchyard_session_v1_GetSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_SessionHistory__Output>): grpc.ClientUnaryCall;
  get(argument: _switchyard_session_v1_GetSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_session_v1_SessionHistory__Output>): grpc.ClientUnaryCall;
  get(argument: _switchyard_session_v1_GetSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_SessionHistory__Output>): grpc.ClientUnaryCall;
  get(argument: _switchyard_session_v1_GetSessionRequest, callback: grpc.requestCallback<_switchyard_session_v1_SessionHistory__Output>): grpc.ClientUnaryCall;
  
  List(argument: _switchyard_session_v1_ListSessionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _switchyard_session_v1_ListSessionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_session_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _switchyard_session_v1_ListSessionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _switchyard_session_v1_ListSessionsRequest, callback: grpc.requestCallback<_switchyard_session_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _switchyard_session_v1_ListSessionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _switchyard_session_v1_ListSessionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_session_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _switchyard_session_v1_ListSessionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_session_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _switchyard_session_v1_ListSessionsRequest, callback: grpc.requestCallback<_switchyard_session_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface SessionsHandlers extends grpc.UntypedServiceImplementation {
  Append: grpc.handleUnaryCall<_switchyard_session_v1_AppendRequest__Output, _switchyard_session_v1_AppendResponse>;
  
  Create: grpc.handleUnaryCall<_switchyard_session_v1_CreateSessionRequest__Output, _switchyard_session_v1_Session>;
  
  Delete: grpc.handleUnaryCall<_switchyard_session_v1_DeleteSessionRequest__Output, _switchyard_session_v1_DeleteSessionResponse>;
  
  Get: grpc.handleUnaryCall<_switchyard_session_v1_GetSessionRequest__Output, _switchyard_session_v1_SessionHistory>;
  
  List: grpc.handleUnaryCall<_switchyard_session_v1_ListSessionsRequest__Output, _switchyard_session_v1_ListSessionsResponse>;
  
}

export interface SessionsDefinition extends grpc.ServiceDefinition {
  Append: MethodDefinition<_switchyard_session_v1_AppendRequest, _switchyard_session_v1_AppendResponse, _switchyard_session_v1_AppendRequest__Output, _switchyard_session_v1_AppendResponse__Output>
  Create: MethodDefinition<_switchyard_session_v1_CreateSessionRequest, _switchyard_session_v1_Session, _switchyard_session_v1_CreateSessionRequest__Output, _switchyard_session_v1_Session__Output>
  Delete: MethodDefinition<_switchyard_session_v1_DeleteSessionRequest, _switchyard_session_v1_DeleteSessionResponse, _switchyard_session_v1_DeleteSessionRequest__Output, _switchyard_session_v1_DeleteSessionResponse__Output>
  Get: MethodDefinition<_switchyard_session_v1_GetSessionRequest, _switchyard_session_v1_SessionHistory, _switchyard_session_v1_GetSessionRequest__Output, _switchyard_session_v1_SessionHistory__Output>
  List: MethodDefinition<_switchyard_session_v1_ListSessionsRequest, _switchyard_session_v1_ListSessionsResponse, _switchyard_session_v1_ListSessionsRequest__Output, _switchyard_session_v1_ListSessionsResponse__Output>
}
