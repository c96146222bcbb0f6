import { VsdError } from "@vsd/core";
import { nearestCodes } from "./kmeans.js";

/** Result of {@link multiScaleResidualQuantize}. */
export interface MultiScaleQuantization {
  /** Codes of scale k for image i, concatenated: image-major, then scale, then row-major cells (Σ_k p_k² per image). */
  readonly codes: Int32Array;
  /** Offset of scale k's codes within one image's block. */
  readonly scaleOffsets: Int32Array;
  /** f̂: the sum of the upsampled codewords, `[n, rows, cols, dim]`. */
  readonly quantized: Float32Array;
  /** Squared residual norm per image after each scale, row-major `[K + 1, n]` (0 = the input). */
  readonly residualNorms: Float64Array;
}

/**
 * Area downsampling of an `[h, w, dim]` grid to `[p, q, dim]` with PyTorch's
 * `interpolate(mode="area")` (= adaptive average pooling) cells: output cell
 * (i, j) averages input rows ⌊i·h/p⌋ … ⌈(i+1)·h/p⌉ − 1 and likewise columns.
 */
export function areaDownsample(grid: Float32Array, h: number, w: number, dim: number, p: number, q: number): Float32Array {
  const out = new Float32Array(p * q * dim);
  for (let i = 0; i < p; i++) {
    const r0 = Math.floor((i * h) / p);
    const r1 = Math.ceil(((i + 1) * h) / p);
    for (let j = 0; j < q; j++) {
      const c0 = Math.floor((j * w) / q);
      const c1 = Math.ceil(((j + 1) * w) / q);
      const cnt = (r1 - r0) * (c1 - c0);
      for (let r = r0; r < r1; r++)
        for (let c = c0; c < c1; c++)
          for (let k = 0; k < dim; k++) out[(i * q + j) * dim + k]! += grid[(r * w + c) * dim + k]!;
      for (let k = 0; k < dim; k++) out[(i * q + j) * dim + k] = out[(i * q + j) * dim + k]! / cnt;
    }
  }
  return out;
}

/** Nearest-neighbour upsampling `[p, q, dim]` → `[h, w, dim]` (PyTorch `mode="nearest"`: source ⌊r·p/h⌋). */
export function nearestUpsample(grid: Float32Array, p: number, q: number, dim: number, h: number, w: number): Float32Array {
  const out = new Float32Array(h * w * dim);
  for (let r = 0; r < h; r++) {
    const i = Math.floor((r * p) / h);
    for (let c = 0; c < w; c++) {
      const j = Math.floor((c * q) / w);
      out.set(grid.subarray((i * q + j) * dim, (i * q + j + 1) * dim), (r * w + c) * dim);
    }
  }
  return out;
}

/**
 * VAR multi-scale residual quantization (REFERENCES §2.8; VAR Alg. 1) on `n`
 * latent grids `[rows, cols, dim]`: r ← f, f̂ ← 0; for scales p_1 < … < p_K
 * (square p×p, the last equal to the grid), z_k = area-downsample(r, p_k),
 * codes = nearest codeword (ties to the lowest index), h = upsample(e[codes])
 * — nearest-neighbour here where VAR uses bicubic, and no φ refinement (VAR's
 * φ is a learned 3×3 convolution, left out) — then f̂ += h, r −= h. The last
 * scale is neither downsampled nor upsampled. `codebooks` has one entry per
 * scale (pass the same array for VAR's shared codebook).
 */
export function multiScaleResidualQuantize(
  latents: Float32Array,
  n: number,
  rows: number,
  cols: number,
  dim: number,
  scales: readonly number[],
  codebooks: readonly Float32Array[],
): MultiScaleQuantization {
  if (!(Number.isInteger(n) && n > 0 && Number.isInteger(dim) && dim > 0) || latents.length !== n * rows * cols * dim) {
    throw new VsdError("INVALID_SHAPE", `multiScaleResidualQuantize: ${latents.length} values are not ${n} grids of ${rows}×${cols}×${dim}.`);
  }
  if (scales.length === 0 || codebooks.length !== scales.length) {
    throw new VsdError("INVALID_ARGUMENT", `multiScaleResidualQuantize: need ≥ 1 scale and one codebook per scale (got ${scales.length} scales, ${codebooks.length} codebooks).`);
  }
  scales.forEach((p, k) => {
    if (!(Number.isInteger(p) && p >= 1 && p <= Math.min(rows, cols)) || (k > 0 && p <= scales[k - 1]!)) {
      throw new VsdError("INVALID_ARGUMENT", `multiScaleResidualQuantize: scales must be increasing integers in [1, ${Math.min(rows, cols)}], got [${scales.join(", ")}].`);
    }
    if (codebooks[k]!.length === 0 || codebooks[k]!.length % dim !== 0) {
      throw new VsdError("INVALID_SHAPE", `multiScaleResidualQuantize: codebook ${k} is not a non-zero multiple of dim ${dim}.`);
    }
  });
  if (scales[scales.length - 1] !== rows || rows !== cols) {
    throw new VsdError("INVALID_ARGUMENT", `multiScaleResidualQuantize: the last scale must equal the (square) grid size ${rows}×${cols}.`);
  }
  const K = scales.length;
  const scaleOffsets = new Int32Array(K);
  let per = 0;
  scales.forEach((p, k) => {
    scaleOffsets[k] = per;
    per += p * p;
  });
  const cells = rows * cols * dim;
  const codes = new Int32Array(n * per);
  const quantized = new Float32Array(n * cells);
  const residualNorms = new Float64Array((K + 1) * n);
  for (let i = 0; i < n; i++) {
    const r = Float32Array.from(latents.subarray(i * cells, (i + 1) * cells));
    const fhat = quantized.subarray(i * cells, (i + 1) * cells);
    residualNorms[i] = sumSq(r);
    for (let k = 0; k < K; k++) {
      const p = scales[k]!;
      const last = k === K - 1;
      const z = last ? r : areaDownsample(r, rows, cols, dim, p, p);
      const idx = nearestCodes(z, dim, codebooks[k]!);
      codes.set(idx, i * per + scaleOffsets[k]!);
      const e = new Float32Array(p * p * dim);
      for (let c = 0; c < p * p; c++) e.set(codebooks[k]!.subarray(idx[c]! * dim, (idx[c]! + 1) * dim), c * dim);
      const h = last ? e : nearestUpsample(e, p, p, dim, rows, cols);
      for (let x = 0; x < cells; x++) {
        fhat[x]! += h[x]!;
        r[x]! -= h[x]!;
      }
      residualNorms[(k + 1) * n + i] = sumSq(r);
    }
  }
  return { codes, scaleOffsets, quantized, residualNorms };
}

function sumSq(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return s;
}
