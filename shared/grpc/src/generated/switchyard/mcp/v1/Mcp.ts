// Original file: protos/mcp.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CallToolRequest as _switchyard_mcp_v1_CallToolRequest, CallToolRequest__Output as _switchyard_mcp_v1_CallToolRequest__Output } from '../../../switchyard/mcp/v1/CallToolRequest.ts';
import type { CallToolResponse as _switchyard_mcp_v1_CallToolResponse, CallToolResponse__Output as _switchyard_mcp_v1_CallToolResponse__Output } from '../../../switchyard/mcp/v1/CallToolResponse.ts';
import type { ListToolsRequest as _switchyard_mcp_v1_ListToolsRequest, ListToolsRequest__Output as _switchyard_mcp_v1_ListToolsRequest__Output } from '../../../switchyard/mcp/v1/ListToolsRequest.ts';
import type { ListToolsResponse as _switchyard_mcp_v1_ListToolsResponse, ListToolsResponse__Output as _switchyard_mcp_v1_ListToolsResponse__Output } from '../../../switchyard/mcp/v1/ListToolsResponse.ts';

export interface McpClient extends grpc.Client {
  CallTool(argument: _switchyard_mcp_v1_CallToolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_mcp_v1_CallToolResponse__Output>): grpc.ClientUnaryCall;
  CallTool(argument: _switchyard_mcp_v1_CallToolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_mcp_v1_CallToolResponse__Output>): grpc.ClientUnaryCall;
  CallTool(argument: _switchyard_mcp_v1_CallToolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_mcp_v1_CallToolResponse__Output>): grpc.ClientUnaryCall;
  CallTool(argument: _switchyard_mcp_v1_CallToolRequest, callback: grpc.requestCallback<_switchyard_mcp_v1_CallToolResponse__Output>): grpc.ClientUnaryCall;
  callTool(argument: _switchyard_mcp_v1_CallToolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_mcp_v1_CallToolResponse__Output>): grpc.ClientUnaryCall;
  callTool(argument: _switchyard_mcp_v1_CallToolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_mcp_v1_CallToolResponse__Output>): grpc.ClientUnaryCall;
  callTool(argument: _switchyard_mcp_v1_CallToolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_mcp_v1_CallToolResponse__Output>): grpc.ClientUnaryCall;
  callTool(argument: _switchyard_mcp_v1_CallToolRequest, callback: grpc.requestCallback<_switchyard_mcp_v1_CallToolResponse__Output>): grpc.ClientUnaryCall;
  
  ListTools(argument: _switchyard_mcp_v1_ListToolsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_mcp_v1_ListToolsResponse__Output>): grpc.ClientUnaryCall;
  ListTools(argument: _switchyard_mcp_v1_ListToolsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_mcp_v1_ListToolsResponse__Output>): grpc.ClientUnaryCall;
  ListTools(argument: _switchyard_mcp_v1_ListToolsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_mcp_v1_ListToolsResponse__Output>): grpc.ClientUnaryCall;
  ListTools(argument: _switchyard_mcp_v1_ListToolsRequest, callback: grpc.requestCallback<_switchyard_mcp_v1_ListToolsResponse__Output>): grpc.ClientUnaryCall;
  listTools(argument: _switchyard_mcp_v1_ListToolsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_mcp_v1_ListToolsResponse__Output>): grpc.ClientUnaryCall;
  listTools(argument: _switchyard_mcp_v1_ListToolsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_mcp_v1_ListToolsResponse__Output>): grpc.ClientUnaryCall;
  listTools(argument: _switchyard_mcp_v1_ListToolsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_mcp_v1_ListToolsResponse__Output>): grpc.ClientUnaryCall;
  listTools(argument: _switchyard_mcp_v1_ListToolsRequest, callback: grpc.requestCallback<_switchyard_mcp_v1_ListToolsResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface McpHandlers extends grpc.UntypedServiceImplementation {
  CallTool: grpc.handleUnaryCall<_switchyard_mcp_v1_CallToolRequest__Output, _switchyard_mcp_v1_CallToolResponse>;
  
  ListTools: grpc.handleUnaryCall<_switchyard_mcp_v1_ListToolsRequest__Output, _switchyard_mcp_v1_ListToolsResponse>;
  
}

export interface McpDefinition extends grpc.ServiceDefinition {
  CallTool: MethodDefinition<_switchyard_mcp_v1_CallToolRequest, _switchyard_mcp_v1_CallToolResponse, _switchyard_mcp_v1_CallToolRequest__Output, _switchyard_mcp_v1_CallToolResponse__Output>
  ListTools: MethodDefinition<_switchyard_mcp_v1_ListToolsRequest, _switchyard_mcp_v1_ListToolsResponse, _switchyard_mcp_v1_ListToolsRequest__Output, _switchyard_mcp_v1_ListToolsResponse__Output>
}
