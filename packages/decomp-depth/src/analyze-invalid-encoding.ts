import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { type ImageDataset, type ImageShape, VsdError, imageGridPng, linePlotPng, writeFileAtomic } from "@vsd/core";
import { codebookUsage } from "./codebook-stats.js";
import { type PatchGrid, patchify } from "./patches.js";
import type { TokenizerCodes } from "./rq-tokenizer.js";

/** What {@link analyzeInvalidEncoding} needs from a tokenizer (an `RqTokenizer` has it). */
export interface AnalyzableTokenizer {
  readonly depth: number;
  readonly shape: ImageShape;
  readonly grid: PatchGrid;
  readonly codebooks: readonly Float32Array[];
  readonly latentDim: number;
  encode(images: tf.Tensor4D): TokenizerCodes;
  partialLatents(codes: Int32Array, upTo: number): Float32Array;
  decodeLatents(latents: Float32Array, n: number): tf.Tensor4D;
}

export interface InvalidEncodingOptions {
  /** Split to analyse. @default "test" */
  readonly split?: "train" | "test";
  /** Images analysed (the first ones of the split). @default 256 */
  readonly limit?: number;
  /** Images per encode/decode batch. @default 64 */
  readonly batchSize?: number;
  /**
   * A depth is past the dominant stage when no deeper depth lowers the pixel
   * MSE by more than this fraction of its own MSE. @default 0.02
   */
  readonly dominantThreshold?: number;
  /** Latent gain |Δ_d| at or below this counts as a no-op; a codeword with ‖e‖² ≤ it too. @default 1e-6 */
  readonly noOpTolerance?: number;
  /** A position's patch MSE must rise by more than this for the depth to count as harmful. @default 1e-6 */
  readonly harmfulTolerance?: number;
  /** Examples shown in the reconstruction picture (0 = no pictures). @default 8 */
  readonly pictureExamples?: number;
  /** If given, writes `error-vs-depth.png` and `reconstructions.png` here (atomically). */
  readonly outDir?: string;
}

/** Numbers for one depth d (d = 0 is "no code": the decoder's output for a zero latent). */
export interface DepthStats {
  readonly depth: number;
  /** Pixel MSE in [−1, 1] units. */
  readonly mse: number;
  /** PSNR in dB with peak-to-peak 2 (the [−1, 1] range), i.e. 8-bit PSNR. */
  readonly psnr: number;
  /** Mean squared latent residual ‖r_d‖² per position. */
  readonly latentResidual: number;
  /** mse_{d−1} − mse_d (NaN at d = 0). */
  readonly gain: number;
  /** Mean latent gain ‖r_{d−1}‖² − ‖r_d‖² (NaN at d = 0). */
  readonly latentGain: number;
  /** Share of positions where depth d is a no-op (latent gain or codeword within `noOpTolerance`). */
  readonly noOpShare: number;
  /** Share of positions where depth d makes the latent residual larger. */
  readonly latentHarmfulShare: number;
  /** Share of positions where depth d makes the patch reconstruction worse. */
  readonly harmfulShare: number;
  /** Share of codes used at this depth (NaN at d = 0). */
  readonly usage: number;
  /** Code perplexity at this depth (NaN at d = 0). */
  readonly perplexity: number;
}

export interface InvalidEncodingReport {
  readonly images: number;
  readonly depths: readonly DepthStats[];
  /** The depth after which no deeper depth improves the MSE by more than `dominantThreshold` (relative). */
  readonly dominantStage: number;
  /**
   * Invalid encoding (VSD Q3): the reconstruction stops improving before the
   * full depth D. `startsAtDepth` is the first depth that does not help
   * (dominantStage + 1), or null.
   */
  readonly verdict: { readonly invalid: boolean; readonly startsAtDepth: number | null; readonly worsens: boolean };
  readonly options: Required<Omit<InvalidEncodingOptions, "outDir">>;
  /** PNG bytes, when `pictureExamples` > 0. */
  readonly pictures?: { readonly errorVsDepth: Uint8Array; readonly reconstructions: Uint8Array };
}

/**
 * Measures invalid encoding (VSD Q3, Fig. 2, Table 1) on a trained tokenizer:
 * per-depth pixel MSE/PSNR of the partial reconstructions Dec(Σ_{j≤d} e_{k_j}),
 * latent residuals, gains, the share of positions where a depth is a no-op or
 * harmful (REFERENCES §2.1 SDK metrics), codebook usage and perplexity, and
 * the dominant stage. Returns data: an invalid encoding is a finding, not an error.
 */
export async function analyzeInvalidEncoding(
  tokenizer: AnalyzableTokenizer,
  dataset: ImageDataset,
  options: InvalidEncodingOptions = {},
): Promise<InvalidEncodingReport> {
  const o = {
    split: options.split ?? "test",
    limit: options.limit ?? 256,
    batchSize: options.batchSize ?? 64,
    dominantThreshold: options.dominantThreshold ?? 0.02,
    noOpTolerance: options.noOpTolerance ?? 1e-6,
    harmfulTolerance: options.harmfulTolerance ?? 1e-6,
    pictureExamples: options.pictureExamples ?? 8,
  } as const;
  const { height: h, width: w, channels: c } = tokenizer.shape;
  if (dataset.height !== h || dataset.width !== w || dataset.channels !== c) {
    throw new VsdError("INVALID_SHAPE", `analyzeInvalidEncoding: data set is ${dataset.height}×${dataset.width}×${dataset.channels}, the tokenizer expects ${h}×${w}×${c}.`);
  }
  if (!(Number.isInteger(o.limit) && o.limit > 0 && Number.isInteger(o.batchSize) && o.batchSize > 0)) {
    throw new VsdError("INVALID_ARGUMENT", "analyzeInvalidEncoding: limit and batchSize must be positive integers.");
  }
  if (!(o.dominantThreshold >= 0)) throw new VsdError("INVALID_ARGUMENT", "analyzeInvalidEncoding: dominantThreshold must be ≥ 0.");
  const split = dataset[o.split];
  const n = Math.min(o.limit, split.n);
  if (n === 0) throw new VsdError("EMPTY_DATASET", `analyzeInvalidEncoding: the ${o.split} split is empty.`);
  const D = tokenizer.depth;
  const dims = h * w * c;
  const P = tokenizer.grid.rows * tokenizer.grid.cols;
  const pd = tokenizer.grid.patchDim;

  const sqErr = new Float64Array(D + 1); // summed over pixels
  const latentRes = new Float64Array(D + 1);
  const latentGain = new Float64Array(D + 1);
  const noOp = new Float64Array(D + 1);
  const latentHarm = new Float64Array(D + 1);
  const harm = new Float64Array(D + 1);
  const allCodes = new Int32Array(n * P * D);
  const shown = Math.min(o.pictureExamples, n);
  const picture = new Float32Array(shown * (D + 2) * dims);

  for (let start = 0; start < n; start += o.batchSize) {
    const b = Math.min(o.batchSize, n - start);
    const px = split.pixels.subarray(start * dims, (start + b) * dims);
    const x = Float32Array.from(px, (v) => v / 127.5 - 1);
    const images = tf.tensor4d(x, [b, h, w, c]);
    let enc: TokenizerCodes;
    try {
      enc = tokenizer.encode(images);
    } finally {
      images.dispose();
    }
    const rows = b * P;
    allCodes.set(enc.codes, start * P * D);
    const target = patchify(x, b, tokenizer.grid);
    let prevPatchErr: Float64Array | undefined;
    for (let d = 0; d <= D; d++) {
      const rec = tokenizer.decodeLatents(tokenizer.partialLatents(enc.codes, d), b);
      const recData = rec.dataSync() as Float32Array;
      rec.dispose();
      for (let i = 0; i < Math.min(b, shown - start); i++) {
        if (d === 0) picture.set(x.subarray(i * dims, (i + 1) * dims), ((start + i) * (D + 2)) * dims);
        picture.set(recData.subarray(i * dims, (i + 1) * dims), ((start + i) * (D + 2) + d + 1) * dims);
      }
      const patches = patchify(recData, b, tokenizer.grid);
      const patchErr = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let j = 0; j < pd; j++) {
          const v = patches[r * pd + j]! - target[r * pd + j]!;
          s += v * v;
        }
        patchErr[r] = s;
        sqErr[d]! += s;
        latentRes[d]! += enc.residualNorms[d * rows + r]!;
        if (d > 0) {
          const delta = enc.residualNorms[(d - 1) * rows + r]! - enc.residualNorms[d * rows + r]!;
          latentGain[d]! += delta;
          const k = enc.codes[r * D + d - 1]!;
          const cb = tokenizer.codebooks[d - 1]!;
          let e2 = 0;
          for (let j = 0; j < tokenizer.latentDim; j++) e2 += cb[k * tokenizer.latentDim + j]! ** 2;
          if (Math.abs(delta) <= o.noOpTolerance || e2 <= o.noOpTolerance) noOp[d]! += 1;
          if (delta < -o.noOpTolerance) latentHarm[d]! += 1;
          if (s / pd > prevPatchErr![r]! / pd + o.harmfulTolerance) harm[d]! += 1;
        }
      }
      prevPatchErr = patchErr;
    }
  }

  const rowsAll = n * P;
  const depths: DepthStats[] = [];
  for (let d = 0; d <= D; d++) {
    const mse = sqErr[d]! / (n * dims);
    const prev = d > 0 ? depths[d - 1]!.mse : Number.NaN;
    const usage = d > 0 ? codebookUsage(allCodes, D, d - 1, tokenizer.codebooks[d - 1]!.length / tokenizer.latentDim) : undefined;
    depths.push({
      depth: d,
      mse,
      psnr: 10 * Math.log10(4 / mse),
      latentResidual: latentRes[d]! / rowsAll,
      gain: prev - mse,
      latentGain: d > 0 ? latentGain[d]! / rowsAll : Number.NaN,
      noOpShare: d > 0 ? noOp[d]! / rowsAll : Number.NaN,
      latentHarmfulShare: d > 0 ? latentHarm[d]! / rowsAll : Number.NaN,
      harmfulShare: d > 0 ? harm[d]! / rowsAll : Number.NaN,
      usage: usage ? usage.usage : Number.NaN,
      perplexity: usage ? usage.perplexity : Number.NaN,
    });
  }
  const dominantStage = findDominantStage(depths.map((s) => s.mse), o.dominantThreshold);
  const worsens = depths.some((s, d) => d > 1 && s.mse > depths[d - 1]!.mse);
  const invalid = dominantStage < D;
  const report: InvalidEncodingReport = {
    images: n,
    depths,
    dominantStage,
    verdict: { invalid, startsAtDepth: invalid ? dominantStage + 1 : null, worsens },
    options: o,
  };
  if (shown === 0) return report;
  const errorVsDepth = await linePlotPng({
    series: [{ name: "pixel MSE", x: depths.slice(1).map((s) => s.depth), y: depths.slice(1).map((s) => s.mse) }],
    xLabel: "depth d (codes used)",
    yLabel: "pixel MSE ([-1, 1] units)",
    title: `Reconstruction error vs depth (dominant stage ${dominantStage})`,
  });
  const grid = tf.tidy(() => tf.tensor4d(picture, [shown * (D + 2), h, w, c]));
  let reconstructions: Uint8Array;
  try {
    reconstructions = imageGridPng(grid, { rows: shown, cols: D + 2, scale: 2 });
  } finally {
    grid.dispose();
  }
  if (options.outDir) {
    writeFileAtomic(join(options.outDir, "error-vs-depth.png"), errorVsDepth);
    writeFileAtomic(join(options.outDir, "reconstructions.png"), reconstructions);
  }
  return { ...report, pictures: { errorVsDepth, reconstructions } };
}

/**
 * Smallest depth d ≥ 1 such that no deeper depth improves the MSE by more than
 * `threshold`·mse_d: mse_d − min_{d'>d} mse_{d'} ≤ threshold·mse_d. Pure, on
 * `mse[0..D]` (index 0 is the zero-latent decode).
 */
export function findDominantStage(mse: readonly number[], threshold: number): number {
  const D = mse.length - 1;
  if (D < 1) throw new VsdError("INVALID_ARGUMENT", "findDominantStage: needs at least depths 0 and 1.");
  let suffixMin = Infinity;
  const best = new Array<number>(D + 2).fill(Infinity);
  for (let d = D; d >= 1; d--) {
    best[d + 1] = suffixMin;
    suffixMin = Math.min(suffixMin, mse[d]!);
  }
  for (let d = 1; d <= D; d++) {
    if (mse[d]! - best[d + 1]! <= threshold * mse[d]!) return d;
  }
  return D;
}
