import { runService } from "@switchyard/runtime";
import { createAccessService } from "./access-service.ts";
import { accessEnv } from "./config.ts";

await runService(
  {
    name: "access",
    env: accessEnv,
    create: async (context) => createAccessService({ ...context, redis: await context.redis(context.config.REDIS_URL) }),
  },
  process.env,
);
