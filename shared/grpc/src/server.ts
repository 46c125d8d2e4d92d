import {
  type handleUnaryCall,
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { context, SpanKind, type Tracer } from "@opentelemetry/api";
import { grpcStatusByCode, toAppError } from "@switchyard/errors";
import { extractContext, type Logger } from "@switchyard/telemetry";
import { HealthImplementation } from "grpc-health-check";

export const errorCodeMetadataKey = "sy-error-code";

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

/**
 * The one gRPC handler wrapper: runs under the caller's trace context, and maps any error
 * to its gRPC status once, with the AppError code in trailing metadata.
 */
export function unary<Req, Res>(
  method: string,
  options: GrpcServerOptions,
  handler: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const parent = extractContext({
      get: (key) => {
        const value = call.metadata.get(key)[0];
        return typeof value === "string" ? value : undefined;
      },
      set: () => {},
    });
    void context.with(parent, () =>
      options.tracer.startActiveSpan(`grpc ${method}`, { kind: SpanKind.SERVER }, async (span) => {
        try {
          callback(null, await handler(call.request, call));
        } catch (error) {
          const appError = toAppError(error);
          if (appError.code === "internal") options.logger.error({ err: error, method }, "grpc call failed");
          const trailer = new Metadata();
          trailer.set(errorCodeMetadataKey, appError.code);
          span.setAttribute("error.code", appError.code);
          callback({ code: grpcStatusByCode[appError.code], details: appError.message, metadata: trailer });
        } finally {
          span.end();
        }
      }),
    );
  };
}
