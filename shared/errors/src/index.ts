export { AppError, type AppErrorOptions, fromWire, toAppError, WireError } from "./app-error.ts";
export {
  codeFromGrpcStatus,
  ErrorCode,
  errorCodes,
  errorTypeByCode,
  grpcStatusByCode,
  httpStatusByCode,
  isErrorCode,
  retryableCodes,
} from "./codes.ts";
