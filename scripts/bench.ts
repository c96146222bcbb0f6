/**
 * Runs every benchmark script `packages/<pkg>/bench/*.bench.ts`, one after the
 * other (they time wall-clock, so never in parallel), each in its own tsx
 * process with the `@vsd/source` condition, streaming its output (tables).
 *
 *   pnpm bench            # all
 *   pnpm bench matmul     # only files whose path contains "matmul"
 *
 * Exits non-zero if any benchmark failed, after running the rest.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const filters = process.argv.slice(2);
const packagesDir = join(root, "packages");
const files = readdirSync(packagesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .sort((a, b) => a.name.localeCompare(b.name))
  .flatMap((d) => {
    const benchDir = join(packagesDir, d.name, "bench");
    if (!existsSync(benchDir)) return [];
    return readdirSync(benchDir)
      .filter((f) => f.endsWith(".bench.ts"))
      .sort()
      .map((f) => join(benchDir, f));
  })
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)));

if (files.length === 0) {
  console.error(`No benchmarks found${filters.length ? ` matching ${filters.join(", ")}` : ""} under packages/*/bench/.`);
  process.exit(1);
}

const tsx = join(root, "node_modules", ".bin", process.platform === "win32" ? "tsx.cmd" : "tsx");
const failed: string[] = [];
for (const file of files) {
  const name = relative(root, file);
  console.log(`\n# ${name}`);
  const started = performance.now();
  const r = spawnSync(tsx, ["--conditions=@vsd/source", file], { cwd: root, stdio: "inherit" });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    failed.push(name);
    console.log(`\n${name} FAILED (${r.error?.message ?? `exit ${r.status ?? r.signal}`}) after ${seconds} s`);
  } else {
    console.log(`\n(${name}: ${seconds} s)`);
  }
}
if (failed.length > 0) {
  console.error(`\n${failed.length} of ${files.length} benchmarks failed: ${failed.join(", ")}`);
  process.exit(1);
}
