export { type Batcher, batchBytes, batchItems, createBatcher, decodeBatch } from "./batch.ts";
export { contextFromHeaders, decodeJson, encodeJson, traceHeaders } from "./codec.ts";
export { connectNats, isConnected, type NatsConnection, type NatsOptions } from "./connect.ts";
export {
  type Bus,
  type CallOptions,
  call,
  encodeRequest,
  type Handler,
  inServerSpan,
  outgoingError,
  publishJson,
  type ServeOptions,
  serve,
} from "./endpoints.ts";
export { createTickingMap, type TickingMap } from "./ticking-map.ts";
