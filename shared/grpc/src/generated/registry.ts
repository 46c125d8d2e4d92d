import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Definition as _switchyard_registry_v1_Definition, Definition__Output as _switchyard_registry_v1_Definition__Output } from './switchyard/registry/v1/Definition.ts';
import type { GetDefinitionRequest as _switchyard_registry_v1_GetDefinitionRequest, GetDefinitionRequest__Output as _switchyard_registry_v1_GetDefinitionRequest__Output } from './switchyard/registry/v1/GetDefinitionRequest.ts';
import type { ListDefinitionsRequest as _switchyard_registry_v1_ListDefinitionsRequest, ListDefinitionsRequest__Output as _switchyard_registry_v1_ListDefinitionsRequest__Output } from './switchyard/registry/v1/ListDefinitionsRequest.ts';
import type { ListDefinitionsResponse as _switchyard_registry_v1_ListDefinitionsResponse, ListDefinitionsResponse__Output as _switchyard_registry_v1_ListDefinitionsResponse__Output } from './switchyard/registry/v1/ListDefinitionsResponse.ts';
import type { RegistryClient as _switchyard_registry_v1_RegistryClient, RegistryDefinition as _switchyard_registry_v1_RegistryDefinition } from './switchyard/registry/v1/Registry.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  switchyard: {
    registry: {
      v1: {
        Definition: MessageTypeDefinition<_switchyard_registry_v1_Definition, _switchyard_registry_v1_Definition__Output>
        GetDefinitionRequest: MessageTypeDefinition<_switchyard_registry_v1_GetDefinitionRequest, _switchyard_registry_v1_GetDefinitionRequest__Output>
        ListDefinitionsRequest: MessageTypeDefinition<_switchyard_registry_v1_ListDefinitionsRequest, _switchyard_registry_v1_ListDefinitionsRequest__Output>
        ListDefinitionsResponse: MessageTypeDefinition<_switchyard_registry_v1_ListDefinitionsResponse, _switchyard_registry_v1_ListDefinitionsResponse__Output>
        Registry: SubtypeConstructor<typeof grpc.Client, _switchyard_registry_v1_RegistryClient> & { service: _switchyard_registry_v1_RegistryDefinition }
      }
    }
  }
}

