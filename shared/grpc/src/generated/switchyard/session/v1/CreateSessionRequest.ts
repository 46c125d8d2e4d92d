// Original file: protos/session.proto


export interface CreateSessionRequest {
  'agent'?: (string);
  'id'?: (string);
}

export interface CreateSessionRequest__Output {
  'agent': (string);
  'id': (string);
}
