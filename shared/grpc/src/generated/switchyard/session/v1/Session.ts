// Original file: protos/session.proto


export interface Session {
  'id'?: (string);
  'agent'?: (string);
  'createdAt'?: (string);
  'messageCount'?: (number);
}

export interface Session__Output {
  'id': (string);
  'agent': (string);
  'createdAt': (string);
  'messageCount': (number);
}
