import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import type { ImageDataset } from "../dataset.js";
import type { Decomposition } from "../decomposition.js";
import { discoverPlugins } from "../discover.js";
import { VsdError } from "../errors.js";
import { loadFashionMnist } from "../data/fashion-mnist.js";
import { loadIdx } from "../data/load-idx.js";
import { loadMnist } from "../data/mnist.js";
import { syntheticRowBreak, syntheticStationary } from "../data/synthetic-field.js";
import { createVsd, type DecompositionPluginFactory } from "../plugin.js";
import { sequenceDataset } from "../reference/sequence-dataset.js";
import { sequencePlugin } from "../reference/sequence-decomposition.js";
import { Rng } from "../rng.js";
import { probeEquivariance } from "./equivariance-probe.js";
import type { EquivarianceReport } from "./equivariance-report.js";
import { PROBE_METHODS, type ProbeMethod, type ProbeOptions, type SubtaskSelection } from "./probe-options.js";
import { writeProbeReport } from "./write-probe-report.js";

export const PROBE_USAGE = `Usage: vsd probe --plugin <id | package | path> --dataset <name | idx path> [options]

Measures how equivariant a decomposition's subtasks are and writes a report folder
(results.json, report.md, heat-maps).

  --plugin <p>          decomposition id ("sequence" is built in), an installed plugin
                        package (@vsd/decomp-*, vsd-decomp-*) or a path to one
  --plugin-options <j>  JSON options for the plugin factory, e.g. '{"order":"snake"}'
  --dataset <d>         mnist | fashion-mnist | synthetic-stationary | synthetic-rowbreak |
                        synthetic-sequence | <path to an IDX images file>
  --method <m>          ${PROBE_METHODS.join(" | ")} (default linear-gaussian)
  --out <dir>           report folder (default ./probe-report)
  --seed <n>            default 0
  --subtasks <s>        all | every:<k> | max:<n> | groups:<a,b> (default max:64)
  --pairs <n>           images (pairs) per subtask (default 2000)
  --held-out <f>        held-out fraction (default 0.25)
  --space <s>           floored | standardized (default floored)
  --budget <n>          optimizer steps for the neural methods (default 300)
  --interval <i>        held-out | refit (linear-gaussian: bootstrap that refits; default held-out)
  --prepare-steps <n>   step budget for plugins that learn something in prepare()
  --quiet               no progress lines
`;

function parseSubtasks(s: string): SubtaskSelection {
  if (s === "all") return "all";
  const [kind, value] = s.split(":", 2);
  if (value !== undefined) {
    if (kind === "every") return { every: Number(value) };
    if (kind === "max") return { max: Number(value) };
    if (kind === "groups") return { groups: value.split(",").filter(Boolean) };
    if (kind === "keys") return { keys: value.split(",").filter(Boolean) };
  }
  throw new VsdError("INVALID_ARGUMENT", `--subtasks "${s}": expected all, every:<k>, max:<n>, groups:<a,b> or keys:<k1,k2>.`);
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x)) throw new VsdError("INVALID_ARGUMENT", `--${name} must be a number, got "${v}".`);
  return x;
}

/** Loads a data set by name, or an IDX images file by path. */
export function loadProbeDataset(name: string, seed: number): ImageDataset {
  switch (name) {
    case "mnist":
      return loadMnist();
    case "fashion-mnist":
      return loadFashionMnist();
    case "synthetic-stationary":
      return syntheticStationary({ seed });
    case "synthetic-rowbreak":
    case "synthetic-row-break":
      return syntheticRowBreak({ seed });
    case "synthetic-sequence":
      return sequenceDataset({ n: 2000, seed });
    default:
      if (existsSync(name)) return loadIdx(name);
      throw new VsdError(
        "INVALID_ARGUMENT",
        `Unknown dataset "${name}": expected mnist, fashion-mnist, synthetic-stationary, synthetic-rowbreak, synthetic-sequence or a path to an IDX images file.`,
      );
  }
}

/** Built-in plugins, found without discovery. */
const BUILT_IN: Readonly<Record<string, DecompositionPluginFactory<never>>> = { sequence: sequencePlugin as DecompositionPluginFactory<never> };

/**
 * The decomposition named by `--plugin`: a built-in id, else an installed
 * plugin found by `discoverPlugins()` (matched by package name or by the id
 * its factory provides), or a package directory given as a path.
 */
export async function resolveProbePlugin(spec: string, options: Record<string, unknown>): Promise<Decomposition> {
  const builtIn = BUILT_IN[spec];
  let factory: DecompositionPluginFactory | undefined = builtIn as DecompositionPluginFactory | undefined;
  if (!factory) {
    const looksLikePath = spec.startsWith(".") || spec.startsWith("/");
    const found = await discoverPlugins(looksLikePath || spec.includes("/") ? { include: [spec] } : {});
    const hit =
      found.find((p) => p.name === spec || p.dir === spec) ??
      found.find((p) => {
        try {
          return p.factory().id === spec;
        } catch {
          return false;
        }
      });
    if (!hit) {
      const names = found.map((p) => p.name).join(", ") || "none";
      const skipped = found.skipped.map((s) => `${s.name} (${s.reason})`).join("; ");
      throw new VsdError(
        "PLUGIN_NOT_FOUND",
        `No decomposition plugin "${spec}". Built in: ${Object.keys(BUILT_IN).join(", ")}; installed: ${names}${skipped ? `; skipped: ${skipped}` : ""}.`,
      );
    }
    factory = hit.factory;
  }
  const plugin = factory(options);
  return createVsd({ plugins: [plugin] }).decomposition(plugin.id);
}

/**
 * `vsd probe …`: parses the arguments, runs the probe and writes the report
 * folder. Returns the report (for tests and scripts).
 */
export async function runProbeCli(
  argv: readonly string[],
  io: { log: (line: string) => void; progress?: (line: string) => void } = { log: console.log },
): Promise<{ report: EquivarianceReport; dir: string }> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        plugin: { type: "string" },
        "plugin-options": { type: "string" },
        dataset: { type: "string" },
        method: { type: "string" },
        out: { type: "string" },
        seed: { type: "string" },
        subtasks: { type: "string" },
        pairs: { type: "string" },
        "held-out": { type: "string" },
        space: { type: "string" },
        budget: { type: "string" },
        interval: { type: "string" },
        "prepare-steps": { type: "string" },
        quiet: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new VsdError("INVALID_ARGUMENT", `${(error as Error).message}\n\n${PROBE_USAGE}`, { cause: error });
  }
  if (!values.plugin || !values.dataset) {
    throw new VsdError("INVALID_ARGUMENT", `vsd probe needs --plugin and --dataset.\n\n${PROBE_USAGE}`);
  }
  let pluginOptions: Record<string, unknown> = {};
  if (values["plugin-options"]) {
    try {
      pluginOptions = JSON.parse(values["plugin-options"]) as Record<string, unknown>;
    } catch (error) {
      throw new VsdError("INVALID_ARGUMENT", `--plugin-options is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  const seed = num("seed", values.seed) ?? 0;
  const dir = values.out ?? "probe-report";
  const decomposition = await resolveProbePlugin(values.plugin, pluginOptions);
  const dataset = loadProbeDataset(values.dataset, seed);
  if (decomposition.prepare) {
    const steps = num("prepare-steps", values["prepare-steps"]);
    await decomposition.prepare(dataset, { rng: new Rng(seed).derive("prepare"), ...(steps !== undefined ? { steps } : {}) });
  }
  const progress = values.quiet ? undefined : (io.progress ?? ((l: string) => process.stderr.write(`${l}\r`)));
  const pairs = num("pairs", values.pairs);
  const heldOut = num("held-out", values["held-out"]);
  const budget = num("budget", values.budget);
  const options: ProbeOptions = {
    seed,
    ...(values.method ? { method: values.method as ProbeMethod } : {}),
    ...(values.subtasks ? { subtasks: parseSubtasks(values.subtasks) } : {}),
    ...(pairs !== undefined ? { pairsPerSubtask: pairs } : {}),
    ...(heldOut !== undefined ? { heldOutFraction: heldOut } : {}),
    ...(values.space ? { space: values.space as "floored" | "standardized" } : {}),
    ...(budget !== undefined ? { budget } : {}),
    ...(values.interval ? { interval: values.interval as "held-out" | "refit" } : {}),
    ...(progress ? { onProgress: (d: number, t: number, stage: string) => progress(`probe ${stage} ${d}/${t}`) } : {}),
  };
  const report = await probeEquivariance(decomposition, dataset, options);
  if (progress && !io.progress) process.stderr.write("\n");
  await writeProbeReport(report, dir);
  const ne = report.nonEquivariance;
  io.log(
    `${decomposition.id} on ${dataset.name} (${report.method}, ${report.subtasks.length}/${report.totalSubtasks} subtasks): nonEquivariance ${ne.value.toFixed(4)} ${ne.unit} [${ne.low.toFixed(4)}, ${ne.high.toFixed(4)}] → ${dir}`,
  );
  return { report, dir };
}
