import { runService } from "@switchyard/runtime";
import { schedulerEnv } from "./config.ts";
import { createScheduler } from "./scheduler.ts";

await runService(
  {
    name: "scheduler",
    env: schedulerEnv,
    create: async (context) => createScheduler({ ...context, redis: await context.redis(context.config.REDIS_URL) }),
  },
  process.env,
);
