// Original file: protos/mcp.proto


export interface CallToolRequest {
  'server'?: (string);
  'tool'?: (string);
  'argumentsJson'?: (string);
}

export interface CallToolRequest__Output {
  'server': (string);
  'tool': (string);
  'argumentsJson': (string);
}
