import { defineConfig } from "vitest/config";

/**
 * Shared vitest settings: resolve workspace packages to their sources through
 * the "@vsd/source" export condition (no build needed), and load
 * reflect-metadata before anything uses tsyringe.
 */
export const sharedConfig = defineConfig({
  resolve: { conditions: ["@vsd/source"] },
  ssr: { resolve: { conditions: ["@vsd/source"] } },
  test: {
    setupFiles: [new URL("./vitest.setup.ts", import.meta.url).pathname],
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Test files already run in parallel on every core; wasm threads on top
    // would only contend. The threaded backend has its own test
    // (packages/core/src/wasm-threads.test.ts), run in a child process.
    env: { VSD_WASM_THREADS: process.env["VSD_WASM_THREADS"] ?? "1" },
  },
});
