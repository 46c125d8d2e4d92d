// Original file: protos/session.proto


export interface GetSessionRequest {
  'id'?: (string);
  'agent'?: (string);
}

export interface GetSessionRequest__Output {
  'id': (string);
  'agent': (string);
}
