import { createAccessClient } from "@switchyard/grpc";
import { runService } from "@switchyard/runtime";
import { mcpEnv } from "./config.ts";
import { createMcpService } from "./mcp-service.ts";

await runService(
  {
    name: "mcp",
    env: mcpEnv,
    create: async ({ own, ...context }) =>
      createMcpService({
        ...context,
        redis: await context.redis(context.config.REDIS_URL),
        access: own(createAccessClient(context.config.ACCESS_GRPC_ADDRESS)),
      }),
  },
  process.env,
);
