// Original file: protos/session.proto


export interface CreateSessionRequest {
  'agent'?: (string);
}

export interface CreateSessionRequest__Output {
  'agent': (string);
}
