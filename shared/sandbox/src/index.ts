// compileWrapper (esbuild) is `@switchyard/sandbox/compile`: only the registry compiles, so executors never load it.
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
