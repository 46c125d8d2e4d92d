import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["shared/*/src/**/*.test.ts", "services/*/src/**/*.test.ts", "test/**/*.test.ts", "tools/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // Each end-to-end file starts its own servers and processes; two at a time suit two cores.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
