// Original file: protos/registry.proto


export interface Definition {
  'name'?: (string);
  'kind'?: (string);
  'version'?: (number);
  'description'?: (string);
  'definitionJson'?: (string);
  'deployedAt'?: (string);
}

export interface Definition__Output {
  'name': (string);
  'kind': (string);
  'version': (number);
  'description': (string);
  'definitionJson': (string);
  'deployedAt': (string);
}
