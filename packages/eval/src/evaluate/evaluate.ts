import * as tf from "@tensorflow/tfjs-core";
import {
  type GenerativeModel,
  type ImageDataset,
  type SampleOptions,
  type Subtask,
  Rng,
  VsdError,
  imageDims,
  imageGridPng,
  makeBatch,
  markdownTable,
  pixelsToTensor,
  tensorToPixels,
  writeReport,
} from "@vsd/core";
import type { FeatureExtractor } from "../extractors/feature-extractor.js";
import { extractInBatches } from "../extractors/feature-extractor.js";
import { mnistFeatureExtractor } from "../extractors/mnist-mlp.js";
import { frechetDistanceDetailed } from "../fid/frechet-distance.js";
import { referenceFeatures } from "../fid/reference-statistics.js";
import { type ImportanceOptions, importanceWeightedLoss } from "../importance/importance-weighted-loss.js";
import { type KidOptions, kid } from "../kid/kid.js";
import { featureStatistics } from "../linalg/feature-statistics.js";
import { precisionRecall } from "../precision-recall/precision-recall.js";

export type MetricName = "nll" | "fid" | "kid" | "precisionRecall" | "importanceWeightedLoss";

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** @default ["nll", "fid", "kid", "precisionRecall"] plus "importanceWeightedLoss" when `importance` is given */
  readonly metrics?: readonly MetricName[];
  /** Seed of sampling, NLL estimates and KID subsets. @default 0 */
  readonly seed?: number;
  /** Generated samples for FID/KID/precision-recall; the reference uses as many test images (at most the split). @default 1000 */
  readonly samples?: number;
  /** Test images scored for NLL. @default min(1000, test split size) */
  readonly nllImages?: number;
  /** @default 100 */
  readonly batchSize?: number;
  /** Report folder (results.json, report.md, samples.png); nothing is written when absent. */
  readonly outDir?: string;
  /** Feature extractor. @default the shipped MNIST extractor for 28×28×1 data; required otherwise */
  readonly extractor?: FeatureExtractor;
  /** Cache directory for reference features/statistics. */
  readonly cacheDir?: string;
  /** Subtasks (and coefficients) for the importance-weighted loss. */
  readonly importance?: ImportanceOptions & {
    readonly subtasks: readonly Subtask[];
    /** Test images the per-subtask losses are measured on. @default min(256, test split size) */
    readonly images?: number;
  };
  readonly kid?: KidOptions;
  /** k of the k-NN manifolds. @default 3 */
  readonly k?: number;
  readonly sampleOptions?: SampleOptions;
}

export interface EvaluationResult {
  readonly model: string;
  readonly dataset: string;
  readonly seed: number;
  readonly nll?: {
    readonly bitsPerDim: number;
    readonly bound: "exact" | "elbo";
    readonly convention: string;
    readonly images: number;
  };
  readonly fid?: {
    readonly value: number;
    readonly raw: number;
    readonly generated: number;
    readonly reference: number;
    readonly dim: number;
    readonly rankDeficient: boolean;
  };
  readonly kid?: { readonly mean: number; readonly std: number; readonly subsets: number; readonly subsetSize: number };
  readonly precision?: number;
  readonly recall?: number;
  readonly f1?: number;
  readonly importanceWeightedLoss?: {
    readonly value: number;
    readonly equalWeightMean: number;
    readonly source: "laplace" | "user";
    readonly weights: Readonly<Record<string, number>>;
    readonly losses: Readonly<Record<string, number>>;
  };
  readonly extractor?: { readonly id: string; readonly dim: number; readonly preprocessing: string | null };
  readonly seconds: Readonly<Record<string, number>>;
  /** Files written, when `outDir` was given. */
  readonly files?: readonly string[];
}

/** Stated with every NLL result (REFERENCES §1.15, §3.4). */
export const NLL_CONVENTION =
  "bits/dim on the 8-bit test pixels, D = H·W·C, as returned by GenerativeModel.nll: discrete likelihoods (exact) need no offset; " +
  "continuous densities on data scaled to [-1,1] (or [0,1]) with uniform dequantisation must add 7 (or 8) bits; 'elbo' marks an upper bound on −log₂ p.";

/** {@link EvaluateOptions} with defaults applied and checked (once, here). */
export interface ResolvedEvaluateOptions {
  readonly metrics: ReadonlySet<MetricName>;
  readonly seed: number;
  readonly samples: number;
  readonly nllImages: number;
  readonly batchSize: number;
  readonly k: number;
}

export function resolveEvaluateOptions(options: EvaluateOptions = {}): ResolvedEvaluateOptions {
  const metrics = new Set<MetricName>(
    options.metrics ?? ["nll", "fid", "kid", "precisionRecall", ...(options.importance ? (["importanceWeightedLoss"] as const) : [])],
  );
  const r = {
    metrics,
    seed: options.seed ?? 0,
    samples: options.samples ?? 1000,
    nllImages: options.nllImages ?? 1000,
    batchSize: options.batchSize ?? 100,
    k: options.k ?? 3,
  };
  for (const [name, v, min] of [["samples", r.samples, 2], ["nllImages", r.nllImages, 1], ["batchSize", r.batchSize, 1], ["k", r.k, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new VsdError("INVALID_RANGE", `evaluate: ${name} must be an integer ≥ ${min}, got ${v}.`);
  }
  if (metrics.has("importanceWeightedLoss") && !options.importance) {
    throw new VsdError("INVALID_ARGUMENT", "evaluate: importanceWeightedLoss needs options.importance.subtasks.");
  }
  return r;
}

/**
 * Scores any {@link GenerativeModel} on a data set: NLL in bits/dim, FID, KID,
 * precision/recall and the importance-weighted loss, and writes a report folder
 * through core's `writeReport`.
 */
export async function evaluate(model: GenerativeModel, dataset: ImageDataset, options: EvaluateOptions = {}): Promise<EvaluationResult> {
  const resolved = resolveEvaluateOptions(options);
  const { seed, metrics, batchSize } = resolved;
  const rng = new Rng(seed);
  const seconds: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    const r = await fn();
    seconds[name] = (performance.now() - t0) / 1000;
    return r;
  };
  if (model.shape.height !== dataset.height || model.shape.width !== dataset.width || model.shape.channels !== dataset.channels) {
    throw new VsdError(
      "INVALID_SHAPE",
      `evaluate: model "${model.id}" is for ${model.shape.height}×${model.shape.width}×${model.shape.channels} images, data set "${dataset.name}" has ${dataset.height}×${dataset.width}×${dataset.channels}.`,
    );
  }
  const result: Record<string, unknown> = { model: model.id, dataset: dataset.name, seed };
  const test = dataset.test;

  if (metrics.has("nll")) {
    const n = Math.min(resolved.nllImages, test.n);
    result["nll"] = await timed("nll", async () => {
      const nllRng = rng.derive("nll");
      let sum = 0;
      let bound: "exact" | "elbo" = "exact";
      for (let s = 0; s < n; s += batchSize) {
        const m = Math.min(batchSize, n - s);
        const batch = makeBatch(dataset, test, Int32Array.from({ length: m }, (_, i) => s + i));
        try {
          const r = await model.nll(batch, nllRng);
          if (!Number.isFinite(r.bitsPerDim)) throw new VsdError("NON_FINITE", `evaluate: model.nll returned ${r.bitsPerDim}.`);
          sum += r.bitsPerDim * m;
          if (r.bound === "elbo") bound = "elbo";
        } finally {
          batch.images.dispose();
        }
      }
      return { bitsPerDim: sum / n, bound, convention: NLL_CONVENTION, images: n };
    });
  }

  let gridPng: Uint8Array | undefined;
  const wantFeatures = metrics.has("fid") || metrics.has("kid") || metrics.has("precisionRecall");
  if (wantFeatures) {
    let extractor = options.extractor;
    if (!extractor) {
      if (dataset.height === 28 && dataset.width === 28 && dataset.channels === 1) extractor = await mnistFeatureExtractor();
      else {
        throw new VsdError(
          "INVALID_ARGUMENT",
          `evaluate: FID/KID/precision-recall on ${dataset.height}×${dataset.width}×${dataset.channels} images need an extractor (e.g. loadGraphModelExtractor).`,
        );
      }
    }
    const ex = extractor;
    result["extractor"] = { id: ex.id, dim: ex.dim, preprocessing: ex.preprocessing ?? null };
    const nSamples = resolved.samples;
    const nRef = Math.min(nSamples, test.n);
    const ref = await timed("referenceFeatures", () =>
      referenceFeatures(dataset, ex, { split: "test", n: nRef, ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}) }),
    );
    const gen = await timed("sampling+features", async () => {
      const sampleRng = rng.derive("samples");
      const out = new Float32Array(nSamples * ex.dim);
      const grid: Uint8Array[] = [];
      let gridCount = 0;
      for (let s = 0; s < nSamples; s += batchSize) {
        const m = Math.min(batchSize, nSamples - s);
        const x = await model.sample(m, sampleRng, options.sampleOptions);
        try {
          const [bn, h, w, c] = x.shape;
          if (bn !== m || h !== dataset.height || w !== dataset.width || c !== dataset.channels) {
            throw new VsdError("CONTRACT_VIOLATION", `evaluate: model.sample(${m}) returned shape [${x.shape.join(", ")}].`);
          }
          // Quantise to 8 bits like real images (features of real data see 8-bit pixels too).
          const pixels = tensorToPixels(x);
          if (gridCount < 64) {
            const take = Math.min(64 - gridCount, m);
            grid.push(pixels.subarray(0, take * imageDims(dataset)));
            gridCount += take;
          }
          const q = pixelsToTensor(pixels, dataset, m);
          try {
            out.set(extractInBatches(ex, q, batchSize), s * ex.dim);
          } finally {
            q.dispose();
          }
        } finally {
          x.dispose();
        }
      }
      const all = new Uint8Array(grid.reduce((a, g) => a + g.length, 0));
      let o = 0;
      for (const g of grid) {
        all.set(g, o);
        o += g.length;
      }
      gridPng = imageGridPng(all, { height: dataset.height, width: dataset.width, channels: dataset.channels });
      return out;
    });
    for (const v of gen) {
      if (!Number.isFinite(v)) throw new VsdError("NON_FINITE", "evaluate: generated images gave non-finite features.");
    }
    if (metrics.has("fid")) {
      result["fid"] = await timed("fid", () => {
        const g = featureStatistics(gen, ex.dim);
        const d = frechetDistanceDetailed(g.mu, g.sigma, ref.stats.mu, ref.stats.sigma);
        return { value: d.value, raw: d.raw, generated: nSamples, reference: nRef, dim: ex.dim, rankDeficient: nSamples <= ex.dim || nRef <= ex.dim };
      });
    }
    if (metrics.has("kid")) {
      result["kid"] = await timed("kid", () => {
        const r = kid(gen, ref.features, ex.dim, { seed, ...options.kid });
        return { mean: r.mean, std: r.std, subsets: r.subsets, subsetSize: r.subsetSize };
      });
    }
    if (metrics.has("precisionRecall")) {
      const pr = await timed("precisionRecall", () => precisionRecall(ref.features, gen, ex.dim, { k: resolved.k }));
      result["precision"] = pr.precision;
      result["recall"] = pr.recall;
      result["f1"] = pr.f1;
    }
    if (!options.extractor) ex.dispose?.();
  }

  if (metrics.has("importanceWeightedLoss")) {
    const imp = options.importance;
    if (!imp) throw new VsdError("INVALID_ARGUMENT", "evaluate: importanceWeightedLoss needs options.importance.subtasks."); // checked in resolve; narrows the type
    result["importanceWeightedLoss"] = await timed("importanceWeightedLoss", () => {
      const n = Math.min(imp.images ?? 256, test.n);
      const batch = makeBatch(dataset, test, Int32Array.from({ length: n }, (_, i) => i));
      const lossRng = rng.derive("importance");
      const losses: Record<string, number> = {};
      try {
        for (const s of imp.subtasks) losses[s.key] = model.subtaskLoss(batch.images, s, lossRng);
      } finally {
        batch.images.dispose();
      }
      const r = importanceWeightedLoss(losses, imp.subtasks, imp);
      const vals = Object.values(losses);
      return { value: r.value, equalWeightMean: vals.reduce((a, b) => a + b, 0) / vals.length, source: r.source, weights: r.weights, losses };
    });
  }
  result["seconds"] = seconds;

  if (options.outDir) {
    const written = await writeReport(options.outDir, {
      results: result,
      markdown: reportMarkdown(result as unknown as EvaluationResult),
      ...(gridPng ? { images: { "samples.png": gridPng } } : {}),
      seed,
      config: { metrics: [...metrics], samples: resolved.samples, batchSize, nllImages: resolved.nllImages, k: resolved.k, extractor: options.extractor?.id ?? "default" },
    });
    result["files"] = written.files;
  }
  return result as unknown as EvaluationResult;
}

function reportMarkdown(r: EvaluationResult): string {
  const rows: (string | number)[][] = [];
  if (r.nll) rows.push(["NLL (bits/dim)", r.nll.bitsPerDim.toFixed(4), `${r.nll.bound}, ${r.nll.images} test images`]);
  if (r.fid) rows.push(["FID", r.fid.value.toFixed(4), `${r.fid.generated} generated vs ${r.fid.reference} test; raw ${r.fid.raw.toExponential(4)}${r.fid.rankDeficient ? "; N ≤ d (biased, compare at equal N only)" : ""}`]);
  if (r.kid) rows.push(["KID", r.kid.mean.toExponential(4), `± ${r.kid.std.toExponential(2)} over ${r.kid.subsets} subsets of ${r.kid.subsetSize}`]);
  if (r.precision !== undefined) rows.push(["precision / recall", `${r.precision.toFixed(4)} / ${r.recall!.toFixed(4)}`, "k-NN manifolds"]);
  if (r.importanceWeightedLoss) {
    rows.push(["importance-weighted loss", r.importanceWeightedLoss.value.toFixed(5), `${r.importanceWeightedLoss.source} coefficients; equal-weight mean ${r.importanceWeightedLoss.equalWeightMean.toFixed(5)}`]);
  }
  const lines = [
    `# Evaluation of ${r.model} on ${r.dataset}`,
    "",
    `Seed ${r.seed}.`,
    "",
    markdownTable(["metric", "value", "notes"], rows),
    "",
  ];
  if (r.extractor) lines.push(`Features: \`${r.extractor.id}\` (${r.extractor.dim}-d); preprocessing: ${r.extractor.preprocessing ?? "n/a"}.`, "");
  if (r.nll) lines.push(`NLL convention: ${r.nll.convention}`, "");
  lines.push("FID is biased upward at small N and assumes Gaussian features (VSD Question 6); compare models at equal N and extractor.", "");
  if (r.fid || r.kid) lines.push("![samples](samples.png)", "");
  return lines.join("\n");
}
