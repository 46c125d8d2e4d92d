// Original file: protos/mcp.proto


export interface ListToolsRequest {
  'server'?: (string);
}

export interface ListToolsRequest__Output {
  'server': (string);
}
