import { type CallOptions, type Client, credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { parseJsonOrUndefined } from "@switchyard/contracts";
import { AppError, fromWire, WireError } from "@switchyard/errors";
import { injectContext } from "@switchyard/telemetry";
import { codeFromGrpcStatus, errorMetadataKey } from "./status.ts";

type ClientConstructor<C> = new (address: string, creds: ReturnType<typeof credentials.createInsecure>, options?: object) => C;

/**
 * The one way to make a gRPC client: insecure channel (mesh or loopback), keepalive pings
 * every 30 s, and reconnect backoff capped at 2 s so a restarted peer is found quickly.
 */
export function createGrpcClient<C extends Client>(Constructor: ClientConstructor<C>, address: string): C {
  return new Constructor(address, credentials.createInsecure(), {
    "grpc.keepalive_time_ms": 30_000,
    "grpc.initial_reconnect_backoff_ms": 200,
    "grpc.max_reconnect_backoff_ms": 2000,
  });
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: CallOptions,
  callback: (error: ServiceError | null, response?: Res) => void,
) => unknown;

export interface CallUnaryOptions {
  /** Every call has a deadline. */
  deadlineMs: number;
  signal?: AbortSignal;
}

/** Calls a unary method with a deadline and trace metadata; failures become AppErrors. */
export function callUnary<Req, Res>(client: Client, method: UnaryMethod<Req, Res>, request: Req, options: CallUnaryOptions): Promise<Res> {
  const metadata = new Metadata();
  injectContext({
    get: (key) => {
      const value = metadata.get(key)[0];
      return typeof value === "string" ? value : undefined;
    },
    set: (key, value) => metadata.set(key, value),
  });
  return new Promise((resolve, reject) => {
    const call = method.call(client, request, metadata, { deadline: Date.now() + options.deadlineMs }, (error, response) => {
      options.signal?.removeEventListener("abort", onAbort);
      if (error) return reject(fromServiceError(error));
      if (response === undefined) return reject(new AppError("internal", "empty gRPC response"));
      resolve(response);
    }) as { cancel(): void };
    const onAbort = () => call.cancel();
    options.signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A peer's error as it sent it (code, param, details, retryability); a bare status otherwise. */
function fromServiceError(error: ServiceError): AppError {
  const sent = error.metadata?.get(errorMetadataKey)[0];
  const wire = sent === undefined ? undefined : parseJsonOrUndefined(WireError, Buffer.from(sent).toString("utf8"));
  if (wire) return fromWire(wire);
  const message = error.code === status.UNAVAILABLE ? "peer is unavailable" : error.details || error.message;
  return new AppError(codeFromGrpcStatus(error.code), message, { cause: error });
}
