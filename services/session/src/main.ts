import { runService } from "@switchyard/runtime";
import { sessionEnv } from "./config.ts";
import { createSessionService } from "./session-service.ts";

await runService(
  {
    name: "session",
    env: sessionEnv,
    create: async (context) => createSessionService({ ...context, redis: await context.redis(context.config.REDIS_URL) }),
  },
  process.env,
);
