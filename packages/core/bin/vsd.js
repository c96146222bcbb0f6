#!/usr/bin/env node
// The `vsd` command. Runs the built CLI; in a source checkout use
// `pnpm vsd ...` at the repository root (tsx on the sources) or `pnpm build` first.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const built = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
if (!existsSync(built)) {
  process.stderr.write("vsd: @vsd/core is not built (dist/cli.js is missing). Run `pnpm build`, or `pnpm vsd` from the repository root.\n");
  process.exit(1);
}
await import(built);
