export { type CompiledWrapper, compileWrapper, maxBundleBytes } from "./compile.ts";
export {
  createSandboxPool,
  type SandboxCall,
  type SandboxHost,
  type SandboxOutcome,
  type SandboxPool,
  type SandboxPoolOptions,
  type SandboxStatus,
  WrapperDescription,
} from "./pool.ts";
export { limitSettings, type SandboxLimits } from "./protocol.ts";
export { withSourcePositions } from "./source-map.ts";
