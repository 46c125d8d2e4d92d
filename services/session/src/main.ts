import { runService } from "@switchyard/runtime";
import { sessionEnv } from "./config.ts";
import { createSessionService } from "./session-service.ts";

await runService(
  {
    name: "session",
    env: sessionEnv,
    create: ({ config, bus, logger, tracer, instance, redis }) =>
      createSessionService({
        bus,
        redis: redis(config.REDIS_URL),
        logger,
        tracer,
        instance,
        grpcAddress: config.SESSION_GRPC_ADDRESS,
        limits: { ttlSeconds: config.SESSION_TTL_SECONDS, maxMessages: config.SESSION_MAX_MESSAGES, maxBytes: config.SESSION_MAX_BYTES },
      }),
  },
  process.env,
);
