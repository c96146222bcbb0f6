import { defineConfig } from "vitest/config";

// `pnpm test` at the root runs every package's suite (each has its own vitest.config.ts).
export default defineConfig({
  test: {
    projects: ["packages/*", "examples", "examples/custom-plugin"],
  },
});
