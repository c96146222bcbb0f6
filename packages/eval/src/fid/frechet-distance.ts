import { VsdError } from "@vsd/core";
import { featureStatistics } from "../linalg/feature-statistics.js";
import { CONGRUENCE_BLOCK, congruenceEigenvalues } from "../linalg/congruence-eigenvalues.js";
import { CHOLESKY_BLOCK, paddedStride, pivotedCholeskyInPlace } from "../linalg/pivoted-cholesky.js";
import { symmetrize } from "../linalg/row-dots.js";
import { symmetricEigen } from "../linalg/symmetric-eigen.js";
import { tridiagonalWorkspace } from "../linalg/tridiagonalize.js";
import { createF64Kernels, type F64Kernels } from "../linalg/wasm/f64-kernels.js";

/** Options of the Fréchet distance. */
export interface FrechetOptions {
  /**
   * How Σ₁ is factored. "cholesky": Σ₁ ≈ P L Lᵀ Pᵀ by pivoted Cholesky with the
   * dpstrf tolerance d·ε·max diag (dropping the sub-tolerance part plays the role
   * of clamping). "eigh": Σ₁ = V diag(ℓ) Vᵀ with ℓ clamped at 0, S = Σ₁^½
   * (REFERENCES §5.1), which also reports Σ₁'s smallest eigenvalue. Both give the
   * eigenvalues of a factor-sandwiched Σ₂ that equal those of Σ₁^½ Σ₂ Σ₁^½;
   * "cholesky" needs no eigenvectors of Σ₁ and is ~7× faster at d = 2048.
   * @default "cholesky"
   */
  readonly method?: "eigh" | "cholesky";
  /**
   * Threads for the float64 kernels (this one included; helpers are Node worker
   * threads on the same shared memory). The result is bit-for-bit the same for any
   * count. @default the `VSD_WASM_THREADS` environment variable, else every available CPU
   */
  readonly threads?: number;
}

/** Everything behind one Fréchet distance, for reports and debugging. */
export interface FrechetDistanceDetails {
  /** max(raw, 0): the distance to report. */
  readonly value: number;
  /** ‖μ₁−μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr √(Σ₁^½ Σ₂ Σ₁^½) before clamping; can be slightly negative from rounding (pytorch-fid#105). */
  readonly raw: number;
  /** ‖μ₁ − μ₂‖². */
  readonly meanTerm: number;
  readonly traceSigma1: number;
  readonly traceSigma2: number;
  /** tr √(Σ₁^½ Σ₂ Σ₁^½) = tr √(Σ₁Σ₂). */
  readonly traceSqrtProduct: number;
  readonly dim: number;
  /** Numerical rank of Σ₁ used: eigenvalues > 0 ("eigh") or pivots above tolerance ("cholesky"). */
  readonly rankSigma1: number;
  /** Smallest eigenvalue of the symmetrised Σ₁ before clamping (NaN on the default "cholesky" route; computed by "eigh"). */
  readonly minEigenSigma1: number;
  /** Smallest eigenvalue of Σ₁^½ Σ₂ Σ₁^½ before clamping. */
  readonly minEigenProduct: number;
  /** How many eigenvalues (of Σ₁ and of the product) were negative and set to 0. */
  readonly clampedEigenvalues: number;
}

function checkStats(mu: ArrayLike<number>, cov: ArrayLike<number>, d: number, which: string): void {
  if (mu.length !== d) {
    throw new VsdError("INVALID_SHAPE", `frechetDistance: mu${which} has length ${mu.length}, expected ${d}.`);
  }
  if (cov.length !== d * d) {
    throw new VsdError("INVALID_SHAPE", `frechetDistance: cov${which} has ${cov.length} entries, expected ${d}×${d} = ${d * d}.`);
  }
  for (let i = 0; i < mu.length; i++) {
    if (!Number.isFinite(mu[i]!)) throw new VsdError("NON_FINITE", `frechetDistance: mu${which}[${i}] is ${mu[i]}.`);
  }
  for (let i = 0; i < cov.length; i++) {
    if (!Number.isFinite(cov[i]!)) throw new VsdError("NON_FINITE", `frechetDistance: cov${which}[${i}] is ${cov[i]}.`);
  }
}

/**
 * Fréchet distance between N(μ₁, Σ₁) and N(μ₂, Σ₂) with all the intermediate terms.
 *
 * Robust symmetric route (REFERENCES §5.1; the same idea as k-diffusion
 * `evaluation.py::sqrtm_eig`, without its jitter): symmetrise both Σ in float64,
 * Σ₁ = V diag(ℓ) Vᵀ, ℓ ← max(ℓ, 0), then the eigenvalues ν of Σ₁^½ Σ₂ Σ₁^½,
 * ν ← max(ν, 0), and tr √(Σ₁Σ₂) = Σ √ν. Σ₁Σ₂ and Σ₁^½Σ₂Σ₁^½ share their
 * spectrum, and the latter is symmetric PSD, so no complex numbers arise, even
 * for singular Σ (N < d).
 *
 * Implementation: with any r×d factor G such that GᵀG = Σ₁ (clamped), the r×r
 * matrix G Σ₂ Gᵀ has the nonzero eigenvalues of Σ₁^½ Σ₂ Σ₁^½ (AB and BA share
 * them). The default G = Lᵀ of a pivoted Cholesky factor (Σ₁ = P L Lᵀ Pᵀ) needs
 * no eigenvectors; `method: "eigh"` uses G = diag(√ℓ) Vᵀ restricted to ℓ > 0.
 * Only eigenvalues of G Σ₂ Gᵀ are computed (blocked Householder tridiagonalisation
 * and implicit QL), with the products on float64 SIMD kernels.
 */
export function frechetDistanceDetailed(
  mu1: ArrayLike<number>,
  cov1: ArrayLike<number>,
  mu2: ArrayLike<number>,
  cov2: ArrayLike<number>,
  options: FrechetOptions = {},
): FrechetDistanceDetails {
  const d = mu1.length;
  if (d < 1) throw new VsdError("INVALID_SHAPE", "frechetDistance: empty mean vector.");
  if (mu2.length !== d) {
    throw new VsdError("INVALID_SHAPE", `frechetDistance: mu1 has length ${d} but mu2 has ${mu2.length}.`);
  }
  checkStats(mu1, cov1, d, "1");
  checkStats(mu2, cov2, d, "2");

  let meanTerm = 0;
  for (let i = 0; i < d; i++) {
    const t = mu1[i]! - mu2[i]!;
    meanTerm += t * t;
  }
  const s1 = symmetrize(cov1, d);
  const s2 = symmetrize(cov2, d);
  let traceSigma1 = 0;
  let traceSigma2 = 0;
  for (let i = 0; i < d; i++) {
    traceSigma1 += s1[i * d + i]!;
    traceSigma2 += s2[i * d + i]!;
  }

  // G: r×d with GᵀG = Σ₁ (clamped/truncated) in some basis; M = G Σ₂' Gᵀ has the
  // eigenvalues of Σ₁^½ Σ₂ Σ₁^½, where Σ₂' is Σ₂ in that basis. All of it runs on
  // the float64 SIMD kernels, in one memory: G, Σ₂' (overwritten by M), a product scratch.
  const ld = paddedStride(d);
  const k = createF64Kernels(3 * ld * ld + 2 * CONGRUENCE_BLOCK * ld + tridiagonalWorkspace(d) + 64, options);
  try {
    return distanceOnKernels(k, s1, s2, d, ld, options.method ?? "cholesky", meanTerm, traceSigma1, traceSigma2);
  } finally {
    k.dispose();
  }
}

function distanceOnKernels(
  k: F64Kernels,
  s1: Float64Array,
  s2: Float64Array,
  d: number,
  ld: number,
  method: "eigh" | "cholesky",
  meanTerm: number,
  traceSigma1: number,
  traceSigma2: number,
): FrechetDistanceDetails {
  const g = k.alloc(ld * ld);
  const s = k.alloc(ld * ld);
  const w = k.alloc(ld * ld);
  const packA = k.alloc(CONGRUENCE_BLOCK * ld);
  const packB = k.alloc(CONGRUENCE_BLOCK * ld);
  const work = k.alloc(tridiagonalWorkspace(d));
  const f = k.f64;
  const g0 = g / 8;
  const sBase = s / 8;
  let clamped = 0;
  let r: number;
  let minEigenSigma1: number;
  if (method === "eigh") {
    const eig1 = symmetricEigen(s1, d, { vectors: true });
    const vectors = eig1.vectors!;
    r = 0;
    for (let i = 0; i < d; i++) {
      const l = eig1.values[i]!;
      if (l < 0) clamped++;
      if (!(l > 0)) continue;
      // Row = √ℓ·v, so GᵀG = V diag(ℓ₊) Vᵀ and G Σ₂ Gᵀ = diag(√ℓ)Vᵀ Σ₂ V diag(√ℓ),
      // which is Vᵀ (S Σ₂ S) V restricted to ℓ > 0: the same nonzero eigenvalues.
      const sl = Math.sqrt(l);
      for (let j = 0; j < d; j++) f[g0 + r * ld + j] = sl * vectors[i * d + j]!;
      r++;
    }
    minEigenSigma1 = eig1.values[0]!;
    for (let i = 0; i < d; i++) f.set(s2.subarray(i * d, i * d + d), sBase + i * ld);
  } else {
    if (CHOLESKY_BLOCK > CONGRUENCE_BLOCK) throw new Error("pack buffer too small for the Cholesky block");
    for (let i = 0; i < d; i++) f.set(s1.subarray(i * d + i, i * d + d), g0 + i * ld + i);
    const ch = pivotedCholeskyInPlace(k, g, d, ld, packA);
    r = ch.rank;
    minEigenSigma1 = Number.NaN; // not computed on this route
    // Σ₂ in the pivoted order: Σ₂'[i][j] = Σ₂[perm i][perm j].
    for (let i = 0; i < d; i++) {
      const pi = ch.perm[i]! * d;
      const row = sBase + i * ld;
      for (let j = 0; j < d; j++) f[row + j] = s2[pi + ch.perm[j]!]!;
    }
  }
  let traceSqrtProduct = 0;
  let minEigenProduct = 0;
  if (r > 0) {
    const nu = congruenceEigenvalues(k, { g, s, w, m: s, packA, packB, work }, r, d, ld, method !== "eigh");
    minEigenProduct = nu[0]!;
    for (let i = 0; i < r; i++) {
      const v = nu[i]!;
      if (v < 0) clamped++;
      else traceSqrtProduct += Math.sqrt(v);
    }
  }
  const raw = meanTerm + traceSigma1 + traceSigma2 - 2 * traceSqrtProduct;
  return {
    value: Math.max(raw, 0),
    raw,
    meanTerm,
    traceSigma1,
    traceSigma2,
    traceSqrtProduct,
    dim: d,
    rankSigma1: r,
    minEigenSigma1,
    minEigenProduct,
    clampedEigenvalues: clamped,
  };
}

/**
 * Fréchet distance ‖μ₁−μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½) between two Gaussians
 * (Dowson & Landau 1982; Heusel et al. 2017). Covariances row-major d×d.
 * Clamped at 0; see {@link frechetDistanceDetailed} for the raw value.
 *
 * @throws VsdError `INVALID_SHAPE` on mismatched sizes, `NON_FINITE` on NaN/±∞.
 */
export function frechetDistance(
  mu1: ArrayLike<number>,
  cov1: ArrayLike<number>,
  mu2: ArrayLike<number>,
  cov2: ArrayLike<number>,
  options: FrechetOptions = {},
): number {
  return frechetDistanceDetailed(mu1, cov1, mu2, cov2, options).value;
}

/** FID details plus the sample sizes behind them. */
export interface FidDetails extends FrechetDistanceDetails {
  readonly nA: number;
  readonly nB: number;
  /**
   * True when N ≤ d for either set: Σ is then singular (rank ≤ N−1). The value is
   * still the exact Fréchet distance of the two sample Gaussians (the symmetric
   * route handles singular Σ), but FID is strongly biased upward at small N;
   * compare only at equal N.
   */
  readonly rankDeficient: boolean;
}

/** {@link fid} with all intermediate terms. */
export function fidDetailed(
  featuresA: ArrayLike<number>,
  featuresB: ArrayLike<number>,
  dim: number,
  options: FrechetOptions = {},
): FidDetails {
  const a = featureStatistics(featuresA, dim, options);
  const b = featureStatistics(featuresB, dim, options);
  const details = frechetDistanceDetailed(a.mu, a.sigma, b.mu, b.sigma, options);
  return { ...details, nA: a.n, nB: b.n, rankDeficient: a.n <= dim || b.n <= dim };
}

/**
 * FID between two sets of features (row-major N×dim, float32 or float64), with
 * pytorch-fid's statistics (mean, `np.cov` with N−1) and the robust symmetric
 * Fréchet distance.
 *
 * @throws VsdError `INSUFFICIENT_DATA` for N < 2, `INVALID_SHAPE` when a length
 *   is not a multiple of `dim`, `NON_FINITE` on NaN/±∞.
 */
export function fid(
  featuresA: ArrayLike<number>,
  featuresB: ArrayLike<number>,
  dim: number,
  options: FrechetOptions = {},
): number {
  return fidDetailed(featuresA, featuresB, dim, options).value;
}
