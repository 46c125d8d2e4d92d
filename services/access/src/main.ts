import { runService } from "@switchyard/runtime";
import { createAccessService } from "./access-service.ts";
import { accessEnv } from "./config.ts";

await runService(
  {
    name: "access",
    env: accessEnv,
    create: (context) => createAccessService({ ...context, redis: context.redis(context.config.REDIS_URL) }),
  },
  process.env,
);
