// Original file: protos/session.proto


export interface ListSessionsRequest {
  'agent'?: (string);
  'limit'?: (number);
  'offset'?: (number);
}

export interface ListSessionsRequest__Output {
  'agent': (string);
  'limit': (number);
  'offset': (number);
}
