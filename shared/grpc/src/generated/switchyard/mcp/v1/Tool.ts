// Original file: protos/mcp.proto


export interface Tool {
  'name'?: (string);
  'description'?: (string);
  'inputSchemaJson'?: (string);
}

export interface Tool__Output {
  'name': (string);
  'description': (string);
  'inputSchemaJson': (string);
}
