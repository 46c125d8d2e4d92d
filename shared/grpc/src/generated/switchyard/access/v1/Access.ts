// Original file: protos/access.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Credential as _switchyard_access_v1_Credential, Credential__Output as _switchyard_access_v1_Credential__Output } from '../../../switchyard/access/v1/Credential.ts';
import type { GetCredentialRequest as _switchyard_access_v1_GetCredentialRequest, GetCredentialRequest__Output as _switchyard_access_v1_GetCredentialRequest__Output } from '../../../switchyard/access/v1/GetCredentialRequest.ts';

export interface AccessClient extends grpc.Client {
  GetCredential(argument: _switchyard_access_v1_GetCredentialRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_access_v1_Credential__Output>): grpc.ClientUnaryCall;
  GetCredential(argument: _switchyard_access_v1_GetCredentialRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_access_v1_Credential__Output>): grpc.ClientUnaryCall;
  GetCredential(argument: _switchyard_access_v1_GetCredentialRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_access_v1_Credential__Output>): grpc.ClientUnaryCall;
  GetCredential(argument: _switchyard_access_v1_GetCredentialRequest, callback: grpc.requestCallback<_switchyard_access_v1_Credential__Output>): grpc.ClientUnaryCall;
  getCredential(argument: _switchyard_access_v1_GetCredentialRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_access_v1_Credential__Output>): grpc.ClientUnaryCall;
  getCredential(argument: _switchyard_access_v1_GetCredentialRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_access_v1_Credential__Output>): grpc.ClientUnaryCall;
  getCredential(argument: _switchyard_access_v1_GetCredentialRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_access_v1_Credential__Output>): grpc.ClientUnaryCall;
  getCredential(argument: _switchyard_access_v1_GetCredentialRequest, callback: grpc.requestCallback<_switchyard_access_v1_Credential__Output>): grpc.ClientUnaryCall;
  
}

export interface AccessHandlers extends grpc.UntypedServiceImplementation {
  GetCredential: grpc.handleUnaryCall<_switchyard_access_v1_GetCredentialRequest__Output, _switchyard_access_v1_Credential>;
  
}

export interface AccessDefinition extends grpc.ServiceDefinition {
  GetCredential: MethodDefinition<_switchyard_access_v1_GetCredentialRequest, _switchyard_access_v1_Credential, _switchyard_access_v1_GetCredentialRequest__Output, _switchyard_access_v1_Credential__Output>
}
