// Original file: protos/mcp.proto


export interface CallToolRequest {
  'server'?: (string);
  'tool'?: (string);
  'argumentsJson'?: (string);
  'hops'?: (number);
}

export interface CallToolRequest__Output {
  'server': (string);
  'tool': (string);
  'argumentsJson': (string);
  'hops': (number);
}
