export { parseAllowList } from "./allow.ts";
export { createOutboundGuard, type GuardedFetch, type OutboundGuard, type OutboundGuardOptions, OutboundRefusedError } from "./guard.ts";
export { forbiddenRange } from "./ranges.ts";
