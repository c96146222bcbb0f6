import { defineConfig, mergeConfig } from "vitest/config";
import { sharedConfig } from "../vitest.shared.js";

// custom-plugin is its own package with its own project (examples/custom-plugin/vitest.config.ts).
export default mergeConfig(
  sharedConfig,
  defineConfig({ test: { name: "examples", include: ["src/**/*.test.ts"], exclude: ["custom-plugin/**", "node_modules/**"] } }),
);
