// Original file: protos/registry.proto


export interface GetDefinitionRequest {
  'name'?: (string);
}

export interface GetDefinitionRequest__Output {
  'name': (string);
}
