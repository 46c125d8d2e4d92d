import { runService } from "@switchyard/runtime";
import { mcpEnv } from "./config.ts";
import { createMcpService } from "./mcp-service.ts";

await runService(
  { name: "mcp", env: mcpEnv, create: (context) => createMcpService({ ...context, redis: context.redis(context.config.REDIS_URL) }) },
  process.env,
);
