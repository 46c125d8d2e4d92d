export { contextFromHeaders, decodeJson, encodeJson, traceHeaders } from "./codec.ts";
export { connectNats, type NatsConnection, type NatsOptions } from "./connect.ts";
export { EmptyReply, publishJson, type RequestOptions, requestJson } from "./request.ts";
export { type ServeOptions, serveRequests } from "./serve.ts";
