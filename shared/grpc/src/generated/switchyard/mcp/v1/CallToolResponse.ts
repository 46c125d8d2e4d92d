// Original file: protos/mcp.proto


export interface CallToolResponse {
  'contentJson'?: (string);
  'isError'?: (boolean);
  'text'?: (string);
  'structuredContentJson'?: (string);
}

export interface CallToolResponse__Output {
  'contentJson': (string);
  'isError': (boolean);
  'text': (string);
  'structuredContentJson': (string);
}
