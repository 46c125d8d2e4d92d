import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { CallToolRequest as _switchyard_mcp_v1_CallToolRequest, CallToolRequest__Output as _switchyard_mcp_v1_CallToolRequest__Output } from './switchyard/mcp/v1/CallToolRequest.ts';
import type { CallToolResponse as _switchyard_mcp_v1_CallToolResponse, CallToolResponse__Output as _switchyard_mcp_v1_CallToolResponse__Output } from './switchyard/mcp/v1/CallToolResponse.ts';
import type { ListToolsRequest as _switchyard_mcp_v1_ListToolsRequest, ListToolsRequest__Output as _switchyard_mcp_v1_ListToolsRequest__Output } from './switchyard/mcp/v1/ListToolsRequest.ts';
import type { ListToolsResponse as _switchyard_mcp_v1_ListToolsResponse, ListToolsResponse__Output as _switchyard_mcp_v1_ListToolsResponse__Output } from './switchyard/mcp/v1/ListToolsResponse.ts';
import type { McpClient as _switchyard_mcp_v1_McpClient, McpDefinition as _switchyard_mcp_v1_McpDefinition } from './switchyard/mcp/v1/Mcp.ts';
import type { Tool as _switchyard_mcp_v1_Tool, Tool__Output as _switchyard_mcp_v1_Tool__Output } from './switchyard/mcp/v1/Tool.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  switchyard: {
    mcp: {
      v1: {
        CallToolRequest: MessageTypeDefinition<_switchyard_mcp_v1_CallToolRequest, _switchyard_mcp_v1_CallToolRequest__Output>
        CallToolResponse: MessageTypeDefinition<_switchyard_mcp_v1_CallToolResponse, _switchyard_mcp_v1_CallToolResponse__Output>
        ListToolsRequest: MessageTypeDefinition<_switchyard_mcp_v1_ListToolsRequest, _switchyard_mcp_v1_ListToolsRequest__Output>
        ListToolsResponse: MessageTypeDefinition<_switchyard_mcp_v1_ListToolsResponse, _switchyard_mcp_v1_ListToolsResponse__Output>
        Mcp: SubtypeConstructor<typeof grpc.Client, _switchyard_mcp_v1_McpClient> & { service: _switchyard_mcp_v1_McpDefinition }
        Tool: MessageTypeDefinition<_switchyard_mcp_v1_Tool, _switchyard_mcp_v1_Tool__Output>
      }
    }
  }
}

