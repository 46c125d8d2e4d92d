// Original file: protos/access.proto


export interface GetCredentialRequest {
  'name'?: (string);
}

export interface GetCredentialRequest__Output {
  'name': (string);
}
