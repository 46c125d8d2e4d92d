import { runService } from "@switchyard/runtime";
import { sessionEnv } from "./config.ts";
import { createSessionService } from "./session-service.ts";

await runService(
  {
    name: "session",
    env: sessionEnv,
    create: (context) => createSessionService({ ...context, redis: context.redis(context.config.REDIS_URL) }),
  },
  process.env,
);
