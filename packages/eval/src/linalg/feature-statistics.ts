import { VsdError } from "@vsd/core";
import { accumulateRowDots, mirrorUpper } from "./row-dots.js";

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

/**
 * μ and Σ of row-major `n × dim` features, in float64, as pytorch-fid's
 * `calculate_activation_statistics` (np.mean, np.cov with N−1).
 *
 * Σ = XcᵀXc/(N−1) with Xc the centred features, computed as dot products of the
 * rows of Xcᵀ (contiguous), upper triangle only, then mirrored.
 */
export function featureStatistics(features: ArrayLike<number>, dim: number): FeatureStatistics {
  const n = checkFeatures(features, dim);
  const mu = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const row = i * dim;
    for (let j = 0; j < dim; j++) mu[j] = mu[j]! + features[row + j]!;
  }
  for (let j = 0; j < dim; j++) mu[j] = mu[j]! / n;
  // Centred and transposed: xt[j*n + i] = x[i][j] − μ[j].
  const xt = new Float64Array(dim * n);
  for (let i = 0; i < n; i++) {
    const row = i * dim;
    for (let j = 0; j < dim; j++) xt[j * n + i] = features[row + j]! - mu[j]!;
  }
  const sigma = new Float64Array(dim * dim);
  accumulateRowDots(xt, dim, xt, dim, n, sigma, dim, true);
  const scale = 1 / (n - 1);
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) sigma[i * dim + j] = sigma[i * dim + j]! * scale;
  }
  mirrorUpper(sigma, dim);
  return { n, dim, mu, sigma };
}
