import type { NllResult } from "../decomposition.js";
import { VsdError } from "../errors.js";
import type { Rng } from "../rng.js";
import { antitheticTimes } from "./antithetic.js";
import { encodePixels, natsToBitsPerDim, priorKl, reconstructionNll } from "./elbo.js";

/** One chunk of Monte-Carlo rows of the ELBO's diffusion term. */
export interface ElboDiffusionRows {
  /** Rows in the chunk, m. */
  readonly rows: number;
  /** Encoded images `[m, D]` row-major (row r of the chunk is image ⌊(start + r)/K⌋). */
  readonly x: Float32Array;
  /** Standard normal ε `[m, D]`. */
  readonly eps: Float32Array;
  /** One uniform u ∈ [0, 1) per row, stratified within each image and across the batch; the model maps it to its t or λ. */
  readonly u: Float64Array;
  /** The image index of each row. */
  readonly image: Int32Array;
}

export interface VdmElboOptions {
  /** Sub-pixels per image, D. */
  readonly dims: number;
  /** λ₀: log-SNR of the clean end, where the 256-way decoder reads z₀. */
  readonly logSnr0: number;
  /** λ₁ < λ₀: log-SNR of the noisy end, where the prior KL is taken. */
  readonly logSnr1: number;
  /** Monte-Carlo rows per image, K. */
  readonly samples: number;
  /** Rows per call of `diffusionNats`. */
  readonly chunk: number;
  /**
   * Single-sample estimates of L_diff (nats per image) of each row of a chunk,
   * e.g. ½(λ₀ − λ₁)‖ε − ε̂‖² with λ = λ₁ + (λ₀ − λ₁)u, or ½γ′(t)‖ε − ε̂‖² with t = u.
   */
  readonly diffusionNats: (rows: ElboDiffusionRows) => ArrayLike<number>;
}

/**
 * Monte-Carlo VDM ELBO of 8-bit images in bits/dim [VDM Eq. 17; REFERENCES §1.15]:
 * per image L_prior(λ₁) + L_recon(λ₀) (one decoder-noise draw) + the mean of K
 * diffusion-term estimates. The times form one randomly shifted grid of n·K
 * points [VDM App. I.1 antithetic sampling; `google-research/vdm`
 * `model_vdm.py::VDM.__call__`, t = mod(t0 + arange(B)/B, 1) over a batch],
 * t_r = (u + r/(nK)) mod 1, dealt to the images in turn: image i gets
 * r = i, i + n, i + 2n, …, i.e. u_{i,j} = (u + i/(nK) + j/K) mod 1. So each
 * image's K times are 1/K apart and cover [0, 1) (its estimate has the variance of a
 * shifted K-point rule, O(1/K²) for a smooth integrand, not of one sample),
 * and all n·K times together stratify the batch mean as one nK-point rule.
 * (Dealing the grid out image by image in blocks instead would put each image's
 * times in one 1/n-wide slice; independent offsets per image would lose the
 * batch-level strata, which matter most at K = 1.)
 * Random draws, in order: D normals per image for the decoder (image order), then
 * one uniform offset u, then m·D normals per chunk.
 * `pixels` holds n images of `dims` values, row-major.
 */
export function estimateVdmElbo(pixels: Uint8Array, rng: Rng, options: VdmElboOptions): NllResult {
  const { dims: D, logSnr0: l0, logSnr1: l1, samples: K, chunk } = options;
  for (const [k, v] of [["dims", D], ["samples", K], ["chunk", chunk]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new VsdError("INVALID_ARGUMENT", `estimateVdmElbo: ${k} must be a positive integer, got ${v}.`);
  }
  if (pixels.length === 0 || pixels.length % D !== 0) {
    throw new VsdError("INVALID_SHAPE", `estimateVdmElbo: ${pixels.length} pixels are not a whole number (≥ 1) of images of ${D}.`);
  }
  if (!(l1 < l0)) throw new VsdError("INVALID_RANGE", `estimateVdmElbo: need λ₁ < λ₀, got λ₁=${l1}, λ₀=${l0}.`);
  const n = pixels.length / D;
  const total = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const px = pixels.subarray(i * D, (i + 1) * D);
    total[i] = priorKl(px, l1) + reconstructionNll(px, rng.fillNormal(new Float64Array(D)), l0);
  }
  const x = encodePixels(pixels);
  const rows = n * K;
  // Row i·K + j (image i, sample j) gets grid point i + j·n of (u + r/(nK)) mod 1.
  const grid = antitheticTimes(rows, rng.uniform());
  const u = new Float64Array(rows);
  for (let i = 0; i < n; i++) for (let j = 0; j < K; j++) u[i * K + j] = grid[i + j * n]!;
  for (let start = 0; start < rows; start += chunk) {
    const m = Math.min(chunk, rows - start);
    const eps = rng.fillNormal(new Float32Array(m * D)) as Float32Array;
    const image = Int32Array.from({ length: m }, (_, r) => Math.floor((start + r) / K));
    const v = options.diffusionNats({ rows: m, x: repeatRows(x, D, K, start, m), eps, u: u.subarray(start, start + m), image });
    if (v.length !== m) throw new VsdError("INVALID_SHAPE", `estimateVdmElbo: diffusionNats gave ${v.length} values for ${m} rows.`);
    for (let r = 0; r < m; r++) total[image[r]!] = total[image[r]!]! + v[r]! / K;
  }
  const perImage = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    perImage[i] = natsToBitsPerDim(total[i]!, D);
    sum += perImage[i]!;
  }
  return { bitsPerDim: sum / n, bound: "elbo", perImage };
}

/**
 * Rows `start … start + count − 1` of the images `x` (`[n, dims]`) each
 * repeated `repeats` times: row r of the result is image ⌊(start + r)/repeats⌋.
 */
export function repeatRows(x: Float32Array, dims: number, repeats: number, start: number, count: number): Float32Array {
  if (!(Number.isInteger(start) && start >= 0 && Number.isInteger(count) && count >= 0 && Number.isInteger(repeats) && repeats >= 1)) {
    throw new VsdError("INVALID_ARGUMENT", `repeatRows: bad start=${start}, count=${count}, repeats=${repeats}.`);
  }
  if (Math.ceil((start + count) / repeats) * dims > x.length) {
    throw new VsdError("INVALID_RANGE", `repeatRows: rows up to ${start + count} need ${Math.ceil((start + count) / repeats)} images of ${dims}, have ${x.length / dims}.`);
  }
  const out = new Float32Array(count * dims);
  for (let r = 0; r < count; r++) {
    const img = Math.floor((start + r) / repeats);
    out.set(x.subarray(img * dims, (img + 1) * dims), r * dims);
  }
  return out;
}
