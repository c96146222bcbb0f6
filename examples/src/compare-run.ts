import * as tf from "@tensorflow/tfjs-core";
import {
  type BackendInfo,
  type Decomposition,
  type DecompositionPlugin,
  type EquivarianceReport,
  type GenerativeModel,
  type ImageDataset,
  type Subtask,
  Rng,
  VsdError,
  createProgress,
  createVsd,
  discoverPlugins,
  imageGridPng,
  initBackend,
  linePlotPng,
  makeBatch,
  loadFashionMnist,
  loadIdx,
  loadMnist,
  markdownTable,
  probeEquivariance,
  subsetSplit,
  train,
  writeProbeReport,
  writeReport,
} from "@vsd/core";
import { evaluate, type EvaluationResult } from "@vsd/eval";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export type PresetName = "tiny" | "default" | "full";

/** Sizes of one comparison run. All plugins get the same numbers. */
export interface Preset {
  /** Training compute per plugin (forward + backward), GFLOPs. */
  readonly budgetGflops: number;
  /** Wall-time cap on each plugin's training, seconds (protects the run's total time). */
  readonly secondsPerPlugin: number;
  readonly maxSteps: number;
  readonly batchSize: number;
  readonly trainImages: number;
  readonly testImages: number;
  /** Steps a decomposition may spend in `prepare` (tokenizer, learned schedule). */
  readonly prepareSteps: number;
  /** Generated images for FID/KID/precision-recall (and as many reference test images). */
  readonly samples: number;
  /** Steps of iterative samplers (diffusion), for the FID samples and the grids. */
  readonly sampleSteps: number;
  readonly nllImages: number;
  /** Subtasks whose loss is measured (evenly spaced), for the loss-by-subtask curve and the importance-weighted loss. */
  readonly subtaskPoints: number;
  readonly subtaskImages: number;
  readonly probeSubtasks: number;
  readonly probePairs: number;
  /** Bound on the linear-Gaussian probe's scoring work (flops); wide pairs get fewer subtasks. */
  readonly probeFlops: number;
  readonly modelSize: "XS" | "S" | "M" | "L";
}

export const PRESETS: Record<PresetName, Preset> = {
  tiny: {
    budgetGflops: 3,
    secondsPerPlugin: 15,
    maxSteps: 12,
    batchSize: 16,
    trainImages: 1200,
    testImages: 200,
    prepareSteps: 10,
    samples: 48,
    sampleSteps: 8,
    nllImages: 32,
    subtaskPoints: 4,
    subtaskImages: 16,
    probeSubtasks: 6,
    probePairs: 160,
    probeFlops: 1e9,
    modelSize: "XS",
  },
  default: {
    budgetGflops: 100,
    secondsPerPlugin: 120,
    maxSteps: 3000,
    batchSize: 64,
    trainImages: 8000,
    testImages: 2000,
    prepareSteps: 100,
    samples: 300,
    sampleSteps: 32,
    nllImages: 500,
    subtaskPoints: 12,
    subtaskImages: 128,
    probeSubtasks: 16,
    probePairs: 1000,
    probeFlops: 1e10,
    modelSize: "S",
  },
  full: {
    budgetGflops: 4000,
    secondsPerPlugin: 900,
    maxSteps: 30000,
    batchSize: 128,
    trainImages: 8000,
    testImages: 2000,
    prepareSteps: 1500,
    samples: 2000,
    sampleSteps: 100,
    nllImages: 2000,
    subtaskPoints: 24,
    subtaskImages: 512,
    probeSubtasks: 64,
    probePairs: 2000,
    probeFlops: 4e11,
    modelSize: "M",
  },
};

export interface CompareOptions {
  readonly preset: PresetName;
  readonly dataset: string;
  readonly labels: string | undefined;
  readonly plugins: readonly string[] | undefined;
  readonly seed: number;
  readonly outDir: string;
  readonly sizes: Preset;
  /** Extra plugins to include whatever their name (package names or directories). */
  readonly include: readonly string[];
  /** Where discovery starts. @default the examples package */
  readonly cwd: string;
}

const examplesDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Resolves CLI-style options against a preset; invalid values are a VsdError. */
export function resolveCompareOptions(o: {
  preset?: PresetName;
  dataset?: string;
  labels?: string;
  plugins?: readonly string[];
  budgetGflops?: number;
  secondsPerPlugin?: number;
  seed?: number;
  outDir?: string;
  include?: readonly string[];
  cwd?: string;
  sizes?: Partial<Preset>;
}): CompareOptions {
  const preset = o.preset ?? "default";
  const base = PRESETS[preset];
  if (!base) {
    throw new VsdError("INVALID_ARGUMENT", `Unknown preset "${preset}"; expected one of ${Object.keys(PRESETS).join(", ")}.`);
  }
  const sizes: Preset = {
    ...base,
    ...o.sizes,
    ...(o.budgetGflops !== undefined ? { budgetGflops: o.budgetGflops } : {}),
    ...(o.secondsPerPlugin !== undefined ? { secondsPerPlugin: o.secondsPerPlugin } : {}),
  };
  if (!(sizes.budgetGflops > 0)) throw new VsdError("INVALID_ARGUMENT", `--budget must be a positive number of GFLOPs, got ${o.budgetGflops}.`);
  if (!(sizes.secondsPerPlugin > 0)) throw new VsdError("INVALID_ARGUMENT", `--seconds must be positive, got ${o.secondsPerPlugin}.`);
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed)) throw new VsdError("INVALID_ARGUMENT", `--seed must be an integer, got ${o.seed}.`);
  return {
    preset,
    dataset: o.dataset ?? "mnist",
    labels: o.labels,
    plugins: o.plugins,
    seed,
    outDir: resolve(o.outDir ?? join(process.cwd(), "reports", "compare")),
    sizes,
    include: o.include ?? [],
    cwd: o.cwd ?? examplesDir,
  };
}

/** Loads the data set named on the command line, cut to the preset's sizes. */
export function loadCompareDataset(o: CompareOptions): ImageDataset {
  const { trainImages, testImages } = o.sizes;
  let ds: ImageDataset;
  if (o.dataset === "mnist") ds = loadMnist({ seed: 0 });
  else if (o.dataset === "fashion" || o.dataset === "fashion-mnist") ds = loadFashionMnist();
  else ds = loadIdx(o.dataset, o.labels, { seed: 0 });
  // The first n rows: the loaders' splits are already shuffled and class-balanced.
  const cut = (split: ImageDataset["train"], n: number) =>
    split.n > n ? subsetSplit(split, ds, Int32Array.from({ length: n }, (_, i) => i)) : split;
  return { ...ds, train: cut(ds.train, trainImages), test: cut(ds.test, testImages) };
}

/** One plugin's row of the comparison. */
export interface PluginResult {
  readonly id: string;
  readonly package: string;
  readonly subtasks: number;
  readonly params?: number;
  readonly steps?: number;
  readonly trainFlops?: number;
  readonly flopsKnown?: boolean;
  readonly trainSeconds?: number;
  readonly prepareSeconds?: number;
  readonly probeSeconds?: number;
  readonly stoppedBy?: "budget" | "time" | "steps";
  readonly finalLoss?: number;
  readonly evaluation?: EvaluationResult;
  readonly importance?: string;
  readonly probe?: {
    readonly nonEquivariance: number;
    readonly low: number;
    readonly high: number;
    readonly unit: string;
    readonly subtasksProbed: number;
    /** Median off-diagonal gap: robust to the few huge gaps of near-constant subtasks. */
    readonly median: number;
    readonly space: string;
    readonly notes: readonly string[];
  };
  readonly subtaskLosses?: Readonly<Record<string, number>>;
  readonly files: readonly string[];
  readonly error?: string;
}

export interface CompareResult {
  readonly outDir: string;
  readonly backend: BackendInfo;
  readonly plugins: readonly PluginResult[];
  readonly table: string;
  readonly skipped: readonly { name: string; reason: string }[];
}

/** Runs the whole comparison and writes the report folder. */
export async function runCompare(o: CompareOptions): Promise<CompareResult> {
  const backend = await initBackend();
  const t0 = performance.now();
  const dataset = loadCompareDataset(o);
  const found = await discoverPlugins({ cwd: o.cwd, include: o.include });
  const wanted = o.plugins;
  const chosen: { name: string; plugin: DecompositionPlugin }[] = [];
  for (const p of found) {
    const plugin = p.factory();
    if (wanted && !wanted.includes(plugin.id) && !wanted.includes(p.name)) continue;
    chosen.push({ name: p.name, plugin });
  }
  if (wanted) {
    const missing = wanted.filter((w) => !chosen.some((c) => c.plugin.id === w || c.name === w));
    if (missing.length > 0) {
      throw new VsdError(
        "PLUGIN_NOT_FOUND",
        `--plugins asks for ${missing.join(", ")}, but the installed plugins are: ${found.map((p) => p.name).join(", ") || "none"}.`,
      );
    }
  }
  if (chosen.length === 0) throw new VsdError("PLUGIN_NOT_FOUND", "No decomposition plugins are installed.");
  const vsd = createVsd({ plugins: chosen.map((c) => c.plugin) });

  const stages = ["prepare", "train", "evaluate", "probe"] as const;
  const progress = createProgress({ label: "compare", total: chosen.length * stages.length });
  const results: PluginResult[] = [];
  const images: Record<string, Uint8Array> = {};
  for (const { name, plugin } of chosen) {
    const d = vsd.decomposition(plugin.id);
    const r = await comparePlugin(d, name, dataset, o, images, (stage) => progress.tick(1, `${plugin.id}: ${stage}`));
    results.push(r);
  }
  progress.done();

  const table = resultsTable(results);
  const lossCurve = await subtaskCurvePng(results);
  if (lossCurve) images["loss-by-subtask.png"] = lossCurve;
  const markdown = reportMarkdown(o, dataset, backend, results, table, found.skipped, (performance.now() - t0) / 1000);
  await writeReport(o.outDir, {
    results: {
      kind: "vsd.compare",
      preset: o.preset,
      dataset: { name: dataset.name, train: dataset.train.n, test: dataset.test.n },
      sizes: o.sizes,
      plugins: results,
      skipped: found.skipped.map((s) => ({ name: s.name, reason: s.reason })),
      seconds: (performance.now() - t0) / 1000,
    },
    markdown,
    images,
    seed: o.seed,
    config: { ...o.sizes, preset: o.preset, dataset: o.dataset, plugins: results.map((r) => r.id) },
  });
  return { outDir: o.outDir, backend, plugins: results, table, skipped: found.skipped };
}

async function comparePlugin(
  d: Decomposition,
  packageName: string,
  dataset: ImageDataset,
  o: CompareOptions,
  images: Record<string, Uint8Array>,
  tick: (stage: string) => void,
): Promise<PluginResult> {
  const s = o.sizes;
  const rng = new Rng(o.seed).derive(d.id);
  const files: string[] = [];
  const subtasks = d.subtasks();
  let model: GenerativeModel | undefined;
  const partial: Record<string, unknown> = { id: d.id, package: packageName, subtasks: subtasks.length };
  try {
    let prepareSeconds = 0;
    if (d.prepare) {
      const t = performance.now();
      await d.prepare(dataset, { rng: rng.derive("prepare"), steps: s.prepareSteps });
      prepareSeconds = (performance.now() - t) / 1000;
    }
    partial["prepareSeconds"] = prepareSeconds;
    tick("prepared");

    model = d.createModel({ shape: dataset, seed: o.seed, size: s.modelSize });
    partial["params"] = model.numParams();
    const fps = model.flopsPerStep?.(s.batchSize);
    const flopsKnown = fps !== undefined && Number.isFinite(fps) && fps > 0;
    const budgetSteps = flopsKnown ? Math.max(1, Math.floor((s.budgetGflops * 1e9) / fps)) : s.maxSteps;
    const steps = Math.min(s.maxSteps, budgetSteps);
    const tr = await train(model, dataset, {
      steps,
      batchSize: s.batchSize,
      seed: o.seed,
      signal: AbortSignal.timeout(s.secondsPerPlugin * 1000),
      label: `train ${d.id}`,
    });
    const done = tr.steps;
    const stoppedBy = done < steps ? "time" : steps < budgetSteps ? "steps" : "budget";
    Object.assign(partial, {
      steps: done,
      flopsKnown,
      trainFlops: flopsKnown ? fps * done : undefined,
      trainSeconds: tr.seconds,
      stoppedBy,
      finalLoss: tr.losses.length > 0 ? meanTail(tr.losses, 20) : undefined,
    });
    tick("trained");

    // Loss per subtask on evenly spaced subtasks; combined with importance coefficients.
    const points = evenlySpaced(subtasks, s.subtaskPoints);
    const hasLogSnr = points.every((p) => p.params["logSnr"] !== undefined);
    const evaluation = await evaluate(model, dataset, {
      seed: o.seed,
      samples: Math.min(s.samples, dataset.test.n),
      nllImages: Math.min(s.nllImages, dataset.test.n),
      batchSize: Math.min(100, s.samples),
      sampleOptions: { steps: s.sampleSteps },
      outDir: join(o.outDir, `eval-${d.id}`),
      importance: {
        subtasks: points,
        images: Math.min(s.subtaskImages, dataset.test.n),
        ...(hasLogSnr ? {} : { coefficients: () => 1 }),
      },
    });
    files.push(...(evaluation.files ?? []).map((f) => relative(o.outDir, f)));
    partial["evaluation"] = evaluation;
    partial["importance"] = hasLogSnr ? "Laplace p(λ), μ=0, b=0.5 (paper Q6)" : "uniform (no importance prior for this decomposition)";
    partial["subtaskLosses"] = evaluation.importanceWeightedLoss?.losses;
    const sampleRng = rng.derive("samples");
    const grid = await model.sample(36, sampleRng, { steps: s.sampleSteps });
    try {
      images[`samples-${d.id}.png`] = imageGridPng(grid, { rows: 6, cols: 6, scale: 2 });
    } finally {
      grid.dispose();
    }
    files.push(`samples-${d.id}.png`);
    tick("evaluated");

    // The ridge fit needs more fit pairs than condition dims (probe, linear-gaussian).
    const { dc, dt } = pairWidths(d, dataset, subtasks[0]!);
    const pairs = Math.min(Math.max(s.probePairs, Math.ceil((dc + 8) / 0.75)), dataset.train.n);
    // The probe scores every held-out pair of every subtask under every other subtask's
    // Gaussian: ~T²·n·(dc+dt)² flops in float64 JS. Cap T so that stays within the preset's budget.
    const width = dc + dt + 1;
    const affordable = Math.floor(Math.sqrt(s.probeFlops / (0.25 * pairs * width * width)));
    const probeCount = Math.max(3, Math.min(s.probeSubtasks, affordable, subtasks.length));
    const report: EquivarianceReport = await probeEquivariance(d, dataset, {
      method: "linear-gaussian",
      subtasks: subtasks.length > probeCount ? { every: Math.ceil(subtasks.length / probeCount) } : "all",
      pairsPerSubtask: pairs,
      seed: o.seed,
      bootstrapSamples: 200,
    });
    partial["probeSeconds"] = report.elapsedMs / 1000;
    const written = await writeProbeReport(report, join(o.outDir, `probe-${d.id}`));
    files.push(...written.files.map((f) => relative(o.outDir, f)));
    partial["probe"] = {
      nonEquivariance: report.nonEquivariance.value,
      low: report.nonEquivariance.low,
      high: report.nonEquivariance.high,
      unit: report.nonEquivariance.unit,
      subtasksProbed: report.subtasks.length,
      median: report.medians[report.nonEquivariance.statistic] ?? Number.NaN,
      space: report.spaceDescription,
      notes: report.notes,
    };
    tick("probed");
    return { ...partial, files } as unknown as PluginResult;
  } catch (e) {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    process.stderr.write(`[compare] ${d.id} failed: ${message}\n`);
    return { ...partial, files, error: message } as unknown as PluginResult;
  } finally {
    model?.dispose();
    d.dispose?.();
  }
}

function pairWidths(d: Decomposition, dataset: ImageDataset, subtask: Subtask): { dc: number; dt: number } {
  const batch = makeBatch(dataset, dataset.train, Int32Array.from([0, 1]));
  try {
    const p = d.pairs(batch.images, subtask, new Rng(0));
    const w = { dc: p.condition.shape[1], dt: p.target.shape[1] };
    tf.dispose([p.condition, p.target]);
    return w;
  } finally {
    batch.images.dispose();
  }
}

function meanTail(xs: Float64Array, k: number): number {
  const n = Math.min(k, xs.length);
  let s = 0;
  for (let i = xs.length - n; i < xs.length; i++) s += xs[i]!;
  return s / n;
}

function evenlySpaced(subtasks: readonly Subtask[], k: number): Subtask[] {
  if (subtasks.length <= k) return [...subtasks];
  const out: Subtask[] = [];
  for (let i = 0; i < k; i++) out.push(subtasks[Math.round((i * (subtasks.length - 1)) / (k - 1))]!);
  return out;
}

function fmt(x: number | undefined, digits = 3): string {
  return x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(digits);
}

export function resultsTable(results: readonly PluginResult[]): string {
  return markdownTable(
    ["plugin", "bits/dim", "bound", "FID", "KID×10³", "precision", "recall", "IW loss", "nonEquivariance (bits/dim, 95% CI)", "median gap", "steps", "train GFLOPs", "train s", "params"],
    results.map((r) => {
      const e = r.evaluation;
      return [
        r.error ? `${r.id} (failed)` : r.id,
        fmt(e?.nll?.bitsPerDim),
        e?.nll?.bound ?? "—",
        fmt(e?.fid?.value, 2),
        e?.kid ? fmt(e.kid.mean * 1e3, 2) : "—",
        fmt(e?.precision, 3),
        fmt(e?.recall, 3),
        fmt(e?.importanceWeightedLoss?.value, 4),
        r.probe ? `${fmt(r.probe.nonEquivariance)} [${fmt(r.probe.low)}, ${fmt(r.probe.high)}]` : "—",
        r.probe ? fmt(r.probe.median) : "—",
        r.steps === undefined ? "—" : String(r.steps),
        r.trainFlops === undefined ? (r.steps === undefined ? "—" : "n/a (wall time)") : fmt(r.trainFlops / 1e9, 1),
        fmt(r.trainSeconds, 1),
        r.params === undefined ? "—" : String(r.params),
      ];
    }),
  );
}

async function subtaskCurvePng(results: readonly PluginResult[]): Promise<Uint8Array | undefined> {
  const series = results
    .filter((r) => r.subtaskLosses && Object.keys(r.subtaskLosses).length > 1)
    .map((r) => {
      const vals = Object.values(r.subtaskLosses!);
      return { name: r.id, x: vals.map((_, i) => i / Math.max(1, vals.length - 1)), y: vals };
    });
  if (series.length === 0) return undefined;
  return linePlotPng({
    series,
    title: "Loss by subtask (evenly spaced subtasks, in each decomposition's order)",
    xLabel: "position in the decomposition's order (0 = first subtask, 1 = last)",
    yLabel: "loss (nats/dim of the subtask's target)",
  });
}

function reportMarkdown(
  o: CompareOptions,
  dataset: ImageDataset,
  backend: BackendInfo,
  results: readonly PluginResult[],
  table: string,
  skipped: readonly { name: string; reason: string }[],
  seconds: number,
): string {
  const s = o.sizes;
  const lines: string[] = [
    "# VSD comparison of decomposition strategies",
    "",
    `Data: **${dataset.name}** (${dataset.train.n} train / ${dataset.test.n} test images, ${dataset.height}×${dataset.width}×${dataset.channels}). ` +
      `Preset **${o.preset}**, seed ${o.seed}, backend **${backend.name}**, total ${seconds.toFixed(0)} s.`,
    "",
    `Equal compute: each plugin's model gets ${s.budgetGflops} GFLOPs of training (steps = budget / the model's own FLOPs per step at batch ${s.batchSize}), ` +
      `capped at ${s.maxSteps} steps and ${s.secondsPerPlugin} s of wall time; a model that does not report FLOPs trains for the wall-time cap. ` +
      "`prepare` (tokenizers, learned schedules) is outside the budget and reported separately.",
    "",
    table,
    "",
    "- **bits/dim** is on the 8-bit test pixels; *exact* is a true discrete likelihood, *elbo* an upper bound. For the depth plugin it is the likelihood of the codes of a lossy tokenizer, not of the image (see its README).",
    `- **FID/KID/precision/recall** use ${results[0]?.evaluation?.extractor?.id ?? "the shipped MNIST feature extractor"} on ${s.samples} generated vs ${s.samples} test images; FID is biased upward at small N, so compare only within one run.`,
    "- **IW loss**: per-subtask losses on evenly spaced subtasks, combined with the Laplace importance density over log-SNR for noise decompositions (paper, Question 6), uniformly otherwise.",
    "- **nonEquivariance**: the linear-Gaussian probe's mean off-diagonal transfer gap (paper, Definition 1), with a bootstrap CI; 0 means every subtask's conditional fits every other's. " +
      "The residual variances are floored at the 8-bit quantization level, so a subtask whose target is nearly constant (blank MNIST borders, nearly clean noise levels) " +
      "gives enormous gaps onto the others and dominates the mean; the **median gap** is the robust companion. Read both, and each plugin's probe report.",
    "",
    "![loss by subtask](loss-by-subtask.png)",
    "",
  ];
  for (const r of results) {
    lines.push(`## ${r.id} (${r.package})`, "");
    if (r.error) lines.push(`**Failed:** ${r.error}`, "");
    lines.push(
      `${r.subtasks} subtasks; ${r.params ?? "?"} parameters; ${r.steps ?? 0} steps in ${fmt(r.trainSeconds, 1)} s (stopped by ${r.stoppedBy ?? "—"}); prepare ${fmt(r.prepareSeconds, 1)} s; final training loss ${fmt(r.finalLoss, 4)}.`,
      "",
    );
    if (r.importance) lines.push(`Importance coefficients: ${r.importance}.`, "");
    if (r.probe) {
      lines.push(`Probe: ${r.probe.subtasksProbed} subtasks. ${r.probe.notes.join(" ")}`, "");
      lines.push(`![probe ${r.id}](probe-${r.id}/gap-diag.png) — full probe report: [probe-${r.id}/report.md](probe-${r.id}/report.md)`, "");
    }
    if (r.files.includes(`samples-${r.id}.png`)) lines.push(`![samples ${r.id}](samples-${r.id}.png)`, "");
  }
  if (skipped.length > 0) {
    lines.push("## Skipped packages", "", ...skipped.map((k) => `- ${k.name}: ${k.reason}`), "");
  }
  return lines.join("\n");
}

/** Frees nothing; exported for tests that check the run leaks no tensors. */
export function liveTensors(): number {
  return tf.memory().numTensors;
}
