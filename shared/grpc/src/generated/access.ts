import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AccessClient as _switchyard_access_v1_AccessClient, AccessDefinition as _switchyard_access_v1_AccessDefinition } from './switchyard/access/v1/Access.ts';
import type { Credential as _switchyard_access_v1_Credential, Credential__Output as _switchyard_access_v1_Credential__Output } from './switchyard/access/v1/Credential.ts';
import type { GetCredentialRequest as _switchyard_access_v1_GetCredentialRequest, GetCredentialRequest__Output as _switchyard_access_v1_GetCredentialRequest__Output } from './switchyard/access/v1/GetCredentialRequest.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  switchyard: {
    access: {
      v1: {
        Access: SubtypeConstructor<typeof grpc.Client, _switchyard_access_v1_AccessClient> & { service: _switchyard_access_v1_AccessDefinition }
        Credential: MessageTypeDefinition<_switchyard_access_v1_Credential, _switchyard_access_v1_Credential__Output>
        GetCredentialRequest: MessageTypeDefinition<_switchyard_access_v1_GetCredentialRequest, _switchyard_access_v1_GetCredentialRequest__Output>
      }
    }
  }
}

