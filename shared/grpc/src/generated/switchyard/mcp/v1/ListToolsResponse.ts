// Original file: protos/mcp.proto

import type { Tool as _switchyard_mcp_v1_Tool, Tool__Output as _switchyard_mcp_v1_Tool__Output } from '../../../switchyard/mcp/v1/Tool.ts';

export interface ListToolsResponse {
  'tools'?: (_switchyard_mcp_v1_Tool)[];
}

export interface ListToolsResponse__Output {
  'tools': (_switchyard_mcp_v1_Tool__Output)[];
}
