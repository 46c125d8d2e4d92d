// Original file: protos/session.proto


export interface DeleteSessionRequest {
  'id'?: (string);
  'agent'?: (string);
}

export interface DeleteSessionRequest__Output {
  'id': (string);
  'agent': (string);
}
