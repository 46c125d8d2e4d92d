import {
  type handleUnaryCall,
  Metadata,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { context, SpanKind, type Tracer } from "@opentelemetry/api";
import { toAppError } from "@switchyard/errors";
import { extractContext, type Logger, scrubSecrets } from "@switchyard/telemetry";
import { HealthImplementation } from "grpc-health-check";
import { errorMetadataKey, grpcStatusByCode } from "./status.ts";

export interface GrpcServerOptions {
  logger: Logger;
  tracer: Tracer;
}

export interface GrpcServer {
  /** Registers a service; `name` is its full name for the health service. */
  addService<I extends UntypedServiceImplementation>(name: string, definition: ServiceDefinition<I>, implementation: I): void;
  /** Binds and returns the port actually bound (pass port 0 for any). */
  listen(address: string): Promise<number>;
  stop(): Promise<void>;
}

/** A gRPC server that serves `grpc.health.v1` for itself and every added service. */
export function createGrpcServer(): GrpcServer {
  const server = new Server({ "grpc.max_receive_message_length": 4 * 1024 * 1024 });
  const health = new HealthImplementation({ "": "NOT_SERVING" });
  health.addToServer(server);
  const names: string[] = [];
  return {
    addService(name, definition, implementation) {
      server.addService(definition, implementation);
      names.push(name);
    },
    listen(address) {
      return new Promise((resolve, reject) => {
        server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => {
          if (error) return reject(error);
          health.setStatus("", "SERVING");
          for (const name of names) health.setStatus(name, "SERVING");
          resolve(port);
        });
      });
    },
    stop() {
      health.setStatus("", "NOT_SERVING");
      return new Promise((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), 5000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/** What a handler knows of its call: aborted when the caller cancels or its deadline passes, and that deadline. */
export interface CallContext {
  signal: AbortSignal;
  /** Epoch milliseconds; Infinity when the caller set none. */
  deadline: number;
}

/**
 * The one gRPC handler wrapper: runs under the caller's trace context, and maps any error
 * to its gRPC status once, with the whole wire error in trailing metadata.
 */
export function unary<Req, Res>(
  method: string,
  options: GrpcServerOptions,
  handler: (request: Req, call: CallContext) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const parent = extractContext({
      get: (key) => {
        const value = call.metadata.get(key)[0];
        return typeof value === "string" ? value : undefined;
      },
      set: () => {},
    });
    const cancel = new AbortController();
    const onCancelled = () => cancel.abort(new Error("the gRPC call was cancelled"));
    call.once("cancelled", onCancelled);
    const sentDeadline = call.getDeadline();
    const deadline = sentDeadline instanceof Date ? sentDeadline.getTime() : sentDeadline;
    void context.with(parent, () =>
      options.tracer.startActiveSpan(`grpc ${method}`, { kind: SpanKind.SERVER }, async (span) => {
        try {
          callback(null, await handler(call.request, { signal: cancel.signal, deadline }));
        } catch (error) {
          const appError = toAppError(error);
          if (appError.code === "internal") options.logger.error({ err: error, method }, "grpc call failed");
          // What leaves the process never carries a secret it knows (a remote server's message may echo one).
          const wire = appError.toWire();
          wire.message = scrubSecrets(wire.message);
          const trailer = new Metadata();
          trailer.set(errorMetadataKey, Buffer.from(JSON.stringify(wire), "utf8"));
          span.setAttribute("error.code", appError.code);
          callback({ code: grpcStatusByCode[appError.code], details: wire.message, metadata: trailer });
        } finally {
          call.removeListener("cancelled", onCancelled);
          span.end();
        }
      }),
    );
  };
}
