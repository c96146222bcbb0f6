/**
 * `pnpm compare`: the main job. Every installed decomposition plugin is trained
 * on the same data at equal compute, scored by @vsd/eval, probed for
 * equivariance, and written up in one report folder.
 *
 *   pnpm compare [--preset tiny|default|full] [--dataset mnist|fashion|<idx images path>]
 *                [--labels <idx labels path>] [--plugins noise,patch,...] [--budget <GFLOPs>]
 *                [--seconds <per plugin>] [--seed N] [--out reports/compare]
 */
import "reflect-metadata";
import { parseArgs } from "node:util";
import { runCompare, resolveCompareOptions, PRESETS, type PresetName } from "./compare-run.js";

const { values } = parseArgs({
  options: {
    preset: { type: "string", default: "default" },
    dataset: { type: "string" },
    labels: { type: "string" },
    plugins: { type: "string" },
    budget: { type: "string" },
    seconds: { type: "string" },
    seed: { type: "string" },
    out: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
  allowPositionals: false,
});

if (values.help) {
  process.stdout.write(
    [
      "pnpm compare [options]",
      `  --preset   ${Object.keys(PRESETS).join(" | ")} (default: default)`,
      "  --dataset  mnist | fashion | <path to an IDX images file (raw or .gz)>",
      "  --labels   <path to the IDX labels file> (with an IDX images path)",
      "  --plugins  comma-separated decomposition ids or package names (default: every installed plugin)",
      "  --budget   training compute per plugin, in GFLOPs (default: the preset's)",
      "  --seconds  wall-time cap per plugin's training (default: the preset's)",
      "  --seed     seed of everything (default 0)",
      "  --out      report folder (default reports/compare)",
      "",
    ].join("\n"),
  );
  process.exit(0);
}

const options = resolveCompareOptions({
  preset: values.preset as PresetName,
  ...(values.dataset !== undefined ? { dataset: values.dataset } : {}),
  ...(values.labels !== undefined ? { labels: values.labels } : {}),
  ...(values.plugins !== undefined ? { plugins: values.plugins.split(",").map((s) => s.trim()).filter(Boolean) } : {}),
  ...(values.budget !== undefined ? { budgetGflops: Number(values.budget) } : {}),
  ...(values.seconds !== undefined ? { secondsPerPlugin: Number(values.seconds) } : {}),
  ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
  ...(values.out !== undefined ? { outDir: values.out } : {}),
});

try {
  const result = await runCompare(options);
  process.stdout.write(`\n${result.table}\n\nReport: ${result.outDir}/report.md\n`);
} catch (e) {
  process.stderr.write(`compare failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
