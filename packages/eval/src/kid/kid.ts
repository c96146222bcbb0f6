import { Rng, VsdError } from "@vsd/core";
import { checkFeatures } from "../linalg/feature-statistics.js";
import { accumulateRowDots } from "../linalg/row-dots.js";

/** Options of {@link kid}. */
export interface KidOptions {
  /** Number of random subsets averaged. @default 100 */
  readonly subsets?: number;
  /** Subset size m, drawn without replacement from each set. @default min(nA, nB, 1000) */
  readonly subsetSize?: number;
  /** Seed of the subset draws. @default 0 */
  readonly seed?: number;
}

export interface KidResult {
  /** Mean of the per-subset unbiased MMD² estimates (can be slightly negative). */
  readonly mean: number;
  /** Standard deviation of the per-subset estimates (N−1 normaliser; 0 for one subset). */
  readonly std: number;
  readonly subsets: number;
  readonly subsetSize: number;
  readonly values: Float64Array;
}

export function resolveKidOptions(nA: number, nB: number, options: KidOptions = {}): Required<KidOptions> {
  const r = {
    subsets: options.subsets ?? 100,
    subsetSize: options.subsetSize ?? Math.min(nA, nB, 1000),
    seed: options.seed ?? 0,
  };
  if (!Number.isInteger(r.subsets) || r.subsets < 1) {
    throw new VsdError("INVALID_ARGUMENT", `kid: subsets must be a positive integer, got ${r.subsets}.`);
  }
  if (!Number.isInteger(r.subsetSize) || r.subsetSize < 2 || r.subsetSize > Math.min(nA, nB)) {
    throw new VsdError("INVALID_RANGE", `kid: subsetSize must be an integer in [2, min(nA, nB) = ${Math.min(nA, nB)}], got ${r.subsetSize}.`);
  }
  return r;
}

function gather(features: ArrayLike<number>, dim: number, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) {
    const src = rows[i]! * dim;
    for (let j = 0; j < dim; j++) out[i * dim + j] = features[src + j]!;
  }
  return out;
}

/** Σ of the cubic polynomial kernel (xᵀy/d + 1)³ over all pairs, or over i ≠ j when `same`. */
function kernelSum(x: Float64Array, m: number, y: Float64Array, n: number, dim: number, same: boolean): number {
  const gram = new Float64Array(m * n);
  accumulateRowDots(x, m, y, n, dim, gram, n, same);
  let s = 0;
  for (let i = 0; i < m; i++) {
    for (let j = same ? i + 1 : 0; j < n; j++) {
      const k = gram[i * n + j]! / dim + 1;
      s += k * k * k;
    }
  }
  return same ? 2 * s : s;
}

/**
 * Unbiased MMD² with the kernel k(x, y) = (xᵀy/d + 1)³ between two feature sets
 * (Bińkowski et al. 2018, "Demystifying MMD GANs"):
 * Σ_{i≠j} k(xᵢ,xⱼ)/(m(m−1)) + Σ_{i≠j} k(yᵢ,yⱼ)/(n(n−1)) − 2Σ_{i,j} k(xᵢ,yⱼ)/(mn).
 * The cross term keeps all pairs (clean-fid `kernel_distance`).
 */
export function mmdPolynomialUnbiased(x: ArrayLike<number>, y: ArrayLike<number>, dim: number): number {
  const m = checkFeatures(x, dim, "mmd x");
  const n = checkFeatures(y, dim, "mmd y");
  const xf = Float64Array.from(x as ArrayLike<number>);
  const yf = Float64Array.from(y as ArrayLike<number>);
  return (
    kernelSum(xf, m, xf, m, dim, true) / (m * (m - 1)) +
    kernelSum(yf, n, yf, n, dim, true) / (n * (n - 1)) -
    (2 * kernelSum(xf, m, yf, n, dim, false)) / (m * n)
  );
}

/**
 * Kernel Inception Distance: mean and std of the unbiased polynomial MMD² over
 * random subsets drawn without replacement (defaults as clean-fid and
 * torch-fidelity: 100 subsets of min(nA, nB, 1000); REFERENCES §5.2).
 */
export function kid(featuresA: ArrayLike<number>, featuresB: ArrayLike<number>, dim: number, options: KidOptions = {}): KidResult {
  const nA = checkFeatures(featuresA, dim, "kid featuresA");
  const nB = checkFeatures(featuresB, dim, "kid featuresB");
  const opts = resolveKidOptions(nA, nB, options);
  const rng = new Rng(opts.seed);
  const m = opts.subsetSize;
  const values = new Float64Array(opts.subsets);
  for (let s = 0; s < opts.subsets; s++) {
    const x = gather(featuresA, dim, rng.sample(nA, m));
    const y = gather(featuresB, dim, rng.sample(nB, m));
    values[s] = mmdPolynomialUnbiased(x, y, dim);
  }
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  const std = values.length > 1 ? Math.sqrt(ss / (values.length - 1)) : 0;
  return { mean, std, subsets: opts.subsets, subsetSize: m, values };
}
