import { runService } from "@switchyard/runtime";
import { gatewayEnv } from "./config.ts";
import { createGateway } from "./gateway.ts";

await runService({ name: "gateway", env: gatewayEnv, create: createGateway }, process.env);
