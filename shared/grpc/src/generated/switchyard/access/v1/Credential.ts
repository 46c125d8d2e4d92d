// Original file: protos/access.proto


export interface Credential {
  'name'?: (string);
  'value'?: (string);
  'updatedAt'?: (string);
}

export interface Credential__Output {
  'name': (string);
  'value': (string);
  'updatedAt': (string);
}
