import { runService } from "@switchyard/runtime";
import { gatewayEnv } from "./config.ts";
import { createGateway } from "./gateway.ts";

await runService(
  {
    name: "gateway",
    env: gatewayEnv,
    create: ({ config, bus, logger, tracer }) => createGateway({ config, bus, logger, tracer }),
  },
  process.env,
);
