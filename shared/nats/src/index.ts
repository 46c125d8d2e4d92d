export { type Batcher, batchBytes, batchItems, createBatcher, createTurnPublisher, decodeBatch, type TurnPublisher } from "./batch.ts";
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
export {
  AckPolicy,
  type Consumer,
  type ConsumerConfig,
  connectJetStream,
  DeliverPolicy,
  DiscardPolicy,
  ensureStream,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  nanos,
  publishFailure,
  publishToStream,
  RetentionPolicy,
  StorageType,
} from "./jetstream.ts";
export { createTickingMap, type TickingMap } from "./ticking-map.ts";
export { createUploadStore, type UploadReaderOptions, type UploadStore, type UploadStoreOptions } from "./uploads.ts";
