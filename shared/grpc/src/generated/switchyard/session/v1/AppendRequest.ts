// Original file: protos/session.proto


export interface AppendRequest {
  'id'?: (string);
  'messagesJson'?: (string)[];
}

export interface AppendRequest__Output {
  'id': (string);
  'messagesJson': (string)[];
}
