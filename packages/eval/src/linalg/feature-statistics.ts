import { VsdError } from "@vsd/core";
import { mirrorUpper } from "./row-dots.js";
import { createF64Kernels, type F64KernelOptions, type F64Kernels, roundUpToTile, TILE } from "./wasm/f64-kernels.js";

/** Mean and covariance of a set of feature vectors (the Gaussian FID compares). */
export interface FeatureStatistics {
  /** Number of feature vectors. */
  readonly n: number;
  /** Feature dimension. */
  readonly dim: number;
  /** Float64 mean, length `dim`. */
  readonly mu: Float64Array;
  /** Float64 covariance, row-major `dim × dim`, with the N−1 normaliser (`np.cov(rowvar=False)`). */
  readonly sigma: Float64Array;
}

/** Throws unless `features` holds `n × dim` finite numbers with n ≥ 2. Returns n. */
export function checkFeatures(features: ArrayLike<number>, dim: number, what = "features"): number {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new VsdError("INVALID_ARGUMENT", `${what}: dim must be a positive integer, got ${dim}.`);
  }
  const n = features.length / dim;
  if (!Number.isInteger(n)) {
    throw new VsdError("INVALID_SHAPE", `${what}: length ${features.length} is not a multiple of dim = ${dim}.`);
  }
  if (n < 2) {
    throw new VsdError("INSUFFICIENT_DATA", `${what}: a covariance needs at least 2 feature vectors, got ${n}.`);
  }
  for (let i = 0; i < features.length; i++) {
    if (!Number.isFinite(features[i]!)) {
      throw new VsdError("NON_FINITE", `${what}: value ${features[i]} at row ${Math.floor(i / dim)}, column ${i % dim}.`);
    }
  }
  return n;
}

/** Samples per rank-k update of the covariance (one packed panel set, 2 MiB at d = 1024). */
const SAMPLE_BLOCK = 256;

/**
 * μ and Σ of row-major `n × dim` features, in float64, as pytorch-fid's
 * `calculate_activation_statistics` (np.mean, np.cov with N−1).
 *
 * Σ = XcᵀXc/(N−1) with Xc the centred features (centred in float64 first, like
 * np.cov), accumulated over blocks of samples as rank-k updates of the upper
 * triangle (BLAS dsyrk) with the float64 SIMD kernel of ./wasm/f64-kernels.ts,
 * then mirrored. `threads`: see {@link createF64Kernels}; the result is the same
 * for any count.
 */
export function featureStatistics(features: ArrayLike<number>, dim: number, options: F64KernelOptions = {}): FeatureStatistics {
  const n = checkFeatures(features, dim);
  const mu = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const row = i * dim;
    for (let j = 0; j < dim; j++) mu[j] = mu[j]! + features[row + j]!;
  }
  for (let j = 0; j < dim; j++) mu[j] = mu[j]! / n;

  const dp = roundUpToTile(dim);
  const kb = Math.min(SAMPLE_BLOCK, n);
  const k = createF64Kernels(dp * dp + dp * kb + 8, options);
  try {
    return covarianceInto(k, features, n, dim, mu, dp, kb);
  } finally {
    k.dispose();
  }
}

function covarianceInto(
  k: F64Kernels,
  features: ArrayLike<number>,
  n: number,
  dim: number,
  mu: Float64Array,
  dp: number,
  kb: number,
): FeatureStatistics {
  const c = k.alloc(dp * dp);
  const pack = k.alloc(dp * kb);
  const f64 = k.f64;
  const panels = dp / TILE;
  for (let s0 = 0; s0 < n; s0 += kb) {
    const kc = Math.min(kb, n - s0);
    // Centred panels: P[p][q][t] = x[s0 + q][4p + t] − μ[4p + t] (0 past dim).
    let o = pack / 8;
    for (let p = 0; p < panels; p++) {
      const j0 = p * TILE;
      if (j0 + TILE <= dim) {
        const m0 = mu[j0]!, m1 = mu[j0 + 1]!, m2 = mu[j0 + 2]!, m3 = mu[j0 + 3]!;
        for (let q = 0; q < kc; q++) {
          const r = (s0 + q) * dim + j0;
          f64[o] = features[r]! - m0;
          f64[o + 1] = features[r + 1]! - m1;
          f64[o + 2] = features[r + 2]! - m2;
          f64[o + 3] = features[r + 3]! - m3;
          o += 4;
        }
      } else {
        for (let q = 0; q < kc; q++) {
          const r = (s0 + q) * dim;
          for (let t = 0; t < TILE; t++) f64[o + t] = j0 + t < dim ? features[r + j0 + t]! - mu[j0 + t]! : 0;
          o += 4;
        }
      }
    }
    k.gebp(pack, pack, kc, c, dp * 8, panels, panels, 0, 1);
  }
  const sigma = new Float64Array(dim * dim);
  const scale = 1 / (n - 1);
  const c0 = c / 8;
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) sigma[i * dim + j] = f64[c0 + i * dp + j]! * scale;
  }
  mirrorUpper(sigma, dim);
  return { n, dim, mu, sigma };
}
