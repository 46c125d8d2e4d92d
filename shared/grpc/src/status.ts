import { status as GrpcStatus } from "@grpc/grpc-js";
import type { ErrorCode } from "@switchyard/errors";

/** The gRPC status each error code travels as (the code itself rides along in trailing metadata). */
export const grpcStatusByCode: Record<ErrorCode, GrpcStatus> = {
  invalid_request: GrpcStatus.INVALID_ARGUMENT,
  invalid_definition: GrpcStatus.INVALID_ARGUMENT,
  invalid_input: GrpcStatus.INVALID_ARGUMENT,
  max_steps_exceeded: GrpcStatus.FAILED_PRECONDITION,
  not_found: GrpcStatus.NOT_FOUND,
  conflict: GrpcStatus.ALREADY_EXISTS,
  payload_too_large: GrpcStatus.RESOURCE_EXHAUSTED,
  unsupported_media_type: GrpcStatus.INVALID_ARGUMENT,
  unauthorized: GrpcStatus.UNAUTHENTICATED,
  forbidden: GrpcStatus.PERMISSION_DENIED,
  method_not_allowed: GrpcStatus.UNIMPLEMENTED,
  rate_limited: GrpcStatus.RESOURCE_EXHAUSTED,
  not_implemented: GrpcStatus.UNIMPLEMENTED,
  upstream_error: GrpcStatus.UNAVAILABLE,
  unavailable: GrpcStatus.UNAVAILABLE,
  timeout: GrpcStatus.DEADLINE_EXCEEDED,
  cancelled: GrpcStatus.CANCELLED,
  queue_full: GrpcStatus.RESOURCE_EXHAUSTED,
  dead_lettered: GrpcStatus.ABORTED,
  sandbox_error: GrpcStatus.ABORTED,
  internal: GrpcStatus.INTERNAL,
};

const grpcToCode = new Map<GrpcStatus, ErrorCode>([
  [GrpcStatus.INVALID_ARGUMENT, "invalid_request"],
  [GrpcStatus.NOT_FOUND, "not_found"],
  [GrpcStatus.ALREADY_EXISTS, "conflict"],
  [GrpcStatus.RESOURCE_EXHAUSTED, "rate_limited"],
  [GrpcStatus.PERMISSION_DENIED, "forbidden"],
  [GrpcStatus.UNAUTHENTICATED, "unauthorized"],
  [GrpcStatus.UNIMPLEMENTED, "not_implemented"],
  [GrpcStatus.UNAVAILABLE, "unavailable"],
  [GrpcStatus.DEADLINE_EXCEEDED, "timeout"],
  [GrpcStatus.CANCELLED, "cancelled"],
]);

/** The closest error code for a gRPC status from a peer that sent no Switchyard error (a proxy, a dead channel). */
export function codeFromGrpcStatus(grpcStatus: GrpcStatus): ErrorCode {
  return grpcToCode.get(grpcStatus) ?? "internal";
}

/** Trailing metadata carrying the whole wire error (code, message, param, details, retryable) as JSON. */
export const errorMetadataKey = "sy-error-bin";
