// Original file: protos/registry.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Definition as _switchyard_registry_v1_Definition, Definition__Output as _switchyard_registry_v1_Definition__Output } from '../../../switchyard/registry/v1/Definition.ts';
import type { GetDefinitionRequest as _switchyard_registry_v1_GetDefinitionRequest, GetDefinitionRequest__Output as _switchyard_registry_v1_GetDefinitionRequest__Output } from '../../../switchyard/registry/v1/GetDefinitionRequest.ts';
import type { ListDefinitionsRequest as _switchyard_registry_v1_ListDefinitionsRequest, ListDefinitionsRequest__Output as _switchyard_registry_v1_ListDefinitionsRequest__Output } from '../../../switchyard/registry/v1/ListDefinitionsRequest.ts';
import type { ListDefinitionsResponse as _switchyard_registry_v1_ListDefinitionsResponse, ListDefinitionsResponse__Output as _switchyard_registry_v1_ListDefinitionsResponse__Output } from '../../../switchyard/registry/v1/ListDefinitionsResponse.ts';

export interface RegistryClient extends grpc.Client {
  GetDefinition(argument: _switchyard_registry_v1_GetDefinitionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_registry_v1_Definition__Output>): grpc.ClientUnaryCall;
  GetDefinition(argument: _switchyard_registry_v1_GetDefinitionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_registry_v1_Definition__Output>): grpc.ClientUnaryCall;
  GetDefinition(argument: _switchyard_registry_v1_GetDefinitionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_registry_v1_Definition__Output>): grpc.ClientUnaryCall;
  GetDefinition(argument: _switchyard_registry_v1_GetDefinitionRequest, callback: grpc.requestCallback<_switchyard_registry_v1_Definition__Output>): grpc.ClientUnaryCall;
  getDefinition(argument: _switchyard_registry_v1_GetDefinitionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_registry_v1_Definition__Output>): grpc.ClientUnaryCall;
  getDefinition(argument: _switchyard_registry_v1_GetDefinitionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_registry_v1_Definition__Output>): grpc.ClientUnaryCall;
  getDefinition(argument: _switchyard_registry_v1_GetDefinitionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_registry_v1_Definition__Output>): grpc.ClientUnaryCall;
  getDefinition(argument: _switchyard_registry_v1_GetDefinitionRequest, callback: grpc.requestCallback<_switchyard_registry_v1_Definition__Output>): grpc.ClientUnaryCall;
  
  ListDefinitions(argument: _switchyard_registry_v1_ListDefinitionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_registry_v1_ListDefinitionsResponse__Output>): grpc.ClientUnaryCall;
  ListDefinitions(argument: _switchyard_registry_v1_ListDefinitionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_registry_v1_ListDefinitionsResponse__Output>): grpc.ClientUnaryCall;
  ListDefinitions(argument: _switchyard_registry_v1_ListDefinitionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_registry_v1_ListDefinitionsResponse__Output>): grpc.ClientUnaryCall;
  ListDefinitions(argument: _switchyard_registry_v1_ListDefinitionsRequest, callback: grpc.requestCallback<_switchyard_registry_v1_ListDefinitionsResponse__Output>): grpc.ClientUnaryCall;
  listDefinitions(argument: _switchyard_registry_v1_ListDefinitionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_registry_v1_ListDefinitionsResponse__Output>): grpc.ClientUnaryCall;
  listDefinitions(argument: _switchyard_registry_v1_ListDefinitionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_registry_v1_ListDefinitionsResponse__Output>): grpc.ClientUnaryCall;
  listDefinitions(argument: _switchyard_registry_v1_ListDefinitionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_registry_v1_ListDefinitionsResponse__Output>): grpc.ClientUnaryCall;
  listDefinitions(argument: _switchyard_registry_v1_ListDefinitionsRequest, callback: grpc.requestCallback<_switchyard_registry_v1_ListDefinitionsResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface RegistryHandlers extends grpc.UntypedServiceImplementation {
  GetDefinition: grpc.handleUnaryCall<_switchyard_registry_v1_GetDefinitionRequest__Output, _switchyard_registry_v1_Definition>;
  
  ListDefinitions: grpc.handleUnaryCall<_switchyard_registry_v1_ListDefinitionsRequest__Output, _switchyard_registry_v1_ListDefinitionsResponse>;
  
}

export interface RegistryDefinition extends grpc.ServiceDefinition {
  GetDefinition: MethodDefinition<_switchyard_registry_v1_GetDefinitionRequest, _switchyard_registry_v1_Definition, _switchyard_registry_v1_GetDefinitionRequest__Output, _switchyard_registry_v1_Definition__Output>
  ListDefinitions: MethodDefinition<_switchyard_registry_v1_ListDefinitionsRequest, _switchyard_registry_v1_ListDefinitionsResponse, _switchyard_registry_v1_ListDefinitionsRequest__Output, _switchyard_registry_v1_ListDefinitionsResponse__Output>
}
