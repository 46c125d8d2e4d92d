// Original file: protos/registry.proto


export interface ListDefinitionsRequest {
  'limit'?: (number);
  'offset'?: (number);
}

export interface ListDefinitionsRequest__Output {
  'limit': (number);
  'offset': (number);
}
