// Original file: protos/session.proto


export interface AppendResponse {
  'messageCount'?: (number);
  'trimmed'?: (number);
}

export interface AppendResponse__Output {
  'messageCount': (number);
  'trimmed': (number);
}
