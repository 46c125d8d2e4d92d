export { AppError, type AppErrorOptions, fromWire, maxWireMessage, toAppError, validationProblems, WireError } from "./app-error.ts";
export {
  ErrorCode,
  errorCodes,
  errorTypeByCode,
  httpStatusByCode,
  isErrorCode,
  retryableCodes,
} from "./codes.ts";
